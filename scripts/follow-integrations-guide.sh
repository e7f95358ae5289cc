#!/usr/bin/env bash
# Follows docs/integrations.md from a clean start, as an integrator would: the app on the embedded default with a
# fresh data folder, the guide's curl calls in its order, and its Python and JavaScript signature verifiers as the
# receivers of the run deliveries and lifecycle events (and its C# one, as a file-based app). Every step checks what the guide says comes back; the first
# difference stops the walk and names the section. Run by hand (not in CI: the test suite covers the API itself);
# needs curl, jq, python3 with Flask, and node.
#
#   bash scripts/follow-integrations-guide.sh
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in curl jq python3 node; do
    command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
python3 -c "import flask" 2>/dev/null || { echo "needs Flask (apt-get install -y python3-flask)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/integrations-guide.XXXXXX)
BASE=http://localhost:5000
HOOKS=http://127.0.0.1:5055
EVENTS=http://127.0.0.1:5056
SEED_TOKEN="walk-seed-token-$(date +%s)-xyz"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; echo "app log: $WORK/app.log" >&2; exit 1; }
# call METHOD PATH [curl args...]: prints the body; the status goes to $WORK/status, the headers to $WORK/headers.
call() {
    local method=$1 path=$2; shift 2
    curl -s -X "$method" "$BASE$path" -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' "$@" > "$WORK/status"
    cat "$WORK/body"
}
status() { cat "$WORK/status"; }
expect() { [[ "$(status)" == "$1" ]] || fail "$2: expected $1, got $(status): $(cat "$WORK/body")"; }

step "Start the app on the embedded default, in a fresh content root ($WORK/data)"
# The database and the mail folder in the walk's own folder: nothing of the checkout's data is used.
dotnet build src/Scheduling.Web -c Release -v q -nologo > "$WORK/build.log" || fail "build (see $WORK/build.log)"
ConnectionStrings__Scheduling="Data Source=$WORK/data/scheduling.db" \
    Mail__PickupDirectory="$WORK/data/mail" \
    Seed__AdminEmail=walker@example.com Seed__AdminPassword='Walk-the-guide-1' Seed__ApiToken="$SEED_TOKEN" \
    Execution__AllowPrivateNetworkTargets=true ASPNETCORE_ENVIRONMENT=Development \
    dotnet run --no-build -c Release --project src/Scheduling.Web > "$WORK/app.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 120); do curl -sf "$BASE/healthz" >/dev/null 2>&1 && break; sleep 1; done
curl -sf "$BASE/healthz" >/dev/null || fail "the app did not answer on $BASE"

step "1. Authenticate: a token made with an existing credential (the seeded one), then /me with it"
TOKEN=$SEED_TOKEN
call POST /api/v1/tokens -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d '{"name": "render farm", "expiresInDays": 90}' > "$WORK/token.json"
expect 201 "POST /api/v1/tokens"
jq -e '.token.id and .token.name == "render farm" and .token.prefix and .token.expiresAt and (.value | startswith("sch_"))' "$WORK/token.json" >/dev/null \
    || fail "token answer: $(cat "$WORK/token.json")"
TOKEN=$(jq -r .value "$WORK/token.json")
call GET /api/v1/me -H "Authorization: Bearer $TOKEN" | jq -c .
expect 200 "GET /api/v1/me"
call GET /api/v1/me -H "Authorization: Bearer sch_not-a-token" > /dev/null
expect 401 "a bad token"

step "2. Create schedules: weekly (RRULE), cron, one time"
AUTH=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
WEEKLY_BODY='{
    "name": "Weekly video", "jobType": "video_generation", "jobConfig": {"template": "weekly-recap"},
    "scheduleType": "recurring", "timezone": "America/New_York",
    "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0", "start": "2026-12-01T00:00"},
    "retry": {"maxAttempts": 3, "strategy": "exponential", "baseDelaySeconds": 30, "maxDelaySeconds": 600},
    "webhookUrl": "https://render.example.com/hooks/scheduling"}'
call POST /api/v1/schedules "${AUTH[@]}" -H "Idempotency-Key: 7b0e6c1e-weekly-video" -d "$WEEKLY_BODY" > "$WORK/weekly.json"
expect 201 "the weekly schedule"
jq -e '.id and .status == "active" and .nextRunAt and .nextRunLocal and (.version != null)' "$WORK/weekly.json" >/dev/null \
    || fail "the weekly schedule's answer: $(cat "$WORK/weekly.json")"
grep -qi '^location: .*/api/v1/schedules/' "$WORK/headers" || fail "no Location on create"
WEEKLY=$(jq -r .id "$WORK/weekly.json")
call POST /api/v1/schedules "${AUTH[@]}" -d '{"name": "Daily captions", "jobType": "caption_generation", "scheduleType": "recurring",
       "timezone": "Europe/Berlin", "recurrence": {"cron": "30 18 * * 1-5"}}' | jq -c '{name, nextRunLocal}'
expect 201 "the cron schedule"
call POST /api/v1/schedules "${AUTH[@]}" -d '{"name": "Launch post", "jobType": "publish", "scheduleType": "once", "scheduledAt": "2026-12-20T09:00", "timezone": "Asia/Tokyo"}' \
    | jq -c '{name, nextRunAt}'
expect 201 "the one-time schedule"

step "2. Then: preview without a token, next runs, pause / resume, If-Match"
call POST /api/v1/recurrence/preview -H "Content-Type: application/json" \
    -d '{"rrule": "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=0", "dtstart": "2026-12-01T00:00", "timezone": "America/New_York", "count": 3}' | jq -c .
expect 200 "the anonymous preview"
call GET "/api/v1/schedules/$WEEKLY/next?count=5" -H "Authorization: Bearer $TOKEN" > "$WORK/next.json"
expect 200 "next runs"
jq -e 'if type == "array" then . else (.items // .occurrences) end | length == 5 and (.[0].local and .[0].utc and .[0].offset)' "$WORK/next.json" >/dev/null \
    || fail "next runs (section 7 says local, offset and utc): $(cat "$WORK/next.json")"
call POST "/api/v1/schedules/$WEEKLY/pause" "${AUTH[@]}" -d '{"note": "holiday"}' | jq -c '{status}'
expect 200 "pause"
call POST "/api/v1/schedules/$WEEKLY/pause" "${AUTH[@]}" -d '{"note": "again"}' > /dev/null
expect 409 "pausing a paused schedule (section 8)"
call POST "/api/v1/schedules/$WEEKLY/resume" "${AUTH[@]}" -d '{"runMissed": false}' > "$WORK/resumed.json"
expect 200 "resume"
VERSION=$(jq -r .version "$WORK/resumed.json")
EDIT=$(echo "$WEEKLY_BODY" | jq -c '.name = "Weekly video (renamed)"')
call PUT "/api/v1/schedules/$WEEKLY" "${AUTH[@]}" -H "If-Match: \"$VERSION\"" -d "$EDIT" | jq -c '{name, version}'
expect 200 "PUT with the current If-Match"
call PUT "/api/v1/schedules/$WEEKLY" "${AUTH[@]}" -H "If-Match: \"$VERSION\"" -d "$EDIT" > /dev/null
expect 412 "PUT with an old If-Match"

step "3. Receive webhooks: the workspace secret, the guide's Python verifier as the receiver"
call POST /api/v1/workspace/webhooks/secret -H "Authorization: Bearer $TOKEN" > "$WORK/secret.json"
[[ "$(status)" == 200 || "$(status)" == 201 ]] || fail "the signing secret: $(status) $(cat "$WORK/secret.json")"
SECRET=$(jq -r .secret "$WORK/secret.json")
[[ $SECRET == whsec_* ]] || fail "the secret is not whsec_…: $SECRET"
# The guide's Flask handler, word for word in its checks, around an app and a log of what it accepted. The run
# named "Accept later" is answered 202 (the guide's "Answer 202, then call back").
cat > "$WORK/receiver.py" <<'PY'
import hashlib, hmac, json, os, sys
from flask import Flask, request, abort
app = Flask(__name__)
secret = os.environ["SECRET"]
log = open(os.environ["LOG"], "a", buffering=1)

@app.post("/hooks/scheduling")
def scheduling_hook():
    body = request.get_data()  # the raw bytes
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Signature-256", "")):
        log.write(json.dumps({"rejected": True}) + "\n")
        abort(401)
    run = request.get_json()
    log.write(json.dumps({"key": request.headers.get("Idempotency-Key"), "event": request.headers.get("X-Scheduling-Event"), "run": run}) + "\n")
    if run.get("scheduleName") == "Accept later":
        return {"queued": True}, 202
    return {"rendered": True}, 200

app.run(host="127.0.0.1", port=5055)
PY
SECRET="$SECRET" LOG="$WORK/hooks.log" python3 "$WORK/receiver.py" > "$WORK/receiver.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 30); do curl -s -o /dev/null "$HOOKS/" && break; sleep 0.3; done

call POST /api/v1/schedules "${AUTH[@]}" -d "{\"name\": \"Render now\", \"jobType\": \"publish\", \"scheduleType\": \"once\",
    \"scheduledAt\": \"2027-06-01T09:00\", \"timezone\": \"Europe/Paris\", \"webhookUrl\": \"$HOOKS/hooks/scheduling\"}" > "$WORK/now.json"
expect 201 "a schedule delivering to the receiver"
call POST "/api/v1/schedules/$(jq -r .id "$WORK/now.json")/run" "${AUTH[@]}" -H "Idempotency-Key: walk-run-now-1" > "$WORK/run.json"
expect 202 "run now"
grep -qi '^location: .*/api/v1/executions/' "$WORK/headers" || fail "no Location on run now"
RUN=$(jq -r .id "$WORK/run.json")
for _ in $(seq 60); do
    [[ "$(call GET "/api/v1/executions/$RUN" -H "Authorization: Bearer $TOKEN" | jq -r .execution.status)" == completed ]] && break; sleep 0.5
done
call GET "/api/v1/executions/$RUN" -H "Authorization: Bearer $TOKEN" > "$WORK/execution.json"
jq -e '.execution.status == "completed" and .execution.result.status == 200 and .execution.result.body.rendered == true
    and (.attempts | length) == 1' "$WORK/execution.json" >/dev/null \
    || fail "the run did not complete with the receiver's answer as its result: $(cat "$WORK/execution.json")"
grep -q "\"key\": \"$RUN\"" "$WORK/hooks.log" || fail "the delivery's Idempotency-Key is not the execution id"
jq -se --arg run "$RUN" '[.[] | select(.key == $run)][0].run | .executionId == $run and .scheduleName == "Render now"
    and .attempt == 1 and .isManual == true and has("jobConfig") and has("scheduledFor") and has("channel")' "$WORK/hooks.log" >/dev/null \
    || fail "the envelope differs from section 3: $(grep "$RUN" "$WORK/hooks.log")"
echo "delivered, verified by the Python snippet, completed with its answer"

step "3. The guide's C# verifier (a file-based app on the SDK) as the receiver of another run"
mkdir -p "$WORK/csharp"
cat > "$WORK/csharp/verifier.cs" <<'CS'
#:sdk Microsoft.NET.Sdk.Web
#:property PublishAot=false
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

var secret = Environment.GetEnvironmentVariable("SECRET")!;
var log = Environment.GetEnvironmentVariable("LOG")!;
var app = WebApplication.Create(args);
// The guide's handler, as written, with a line of log (a file-based app is AOT by default: a web project is not).
app.MapPost("/hooks/scheduling", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray();
    var expected = "sha256=" + Convert.ToHexStringLower(
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
    var given = request.Headers["X-Signature-256"].ToString();
    if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given)))
    {
        File.AppendAllText(log, "rejected\n");
        return Results.Unauthorized();
    }
    var run = JsonSerializer.Deserialize<JsonElement>(body);
    File.AppendAllText(log, run.GetProperty("executionId").GetString() + "\n");
    return Results.Ok(new { rendered = true });
});
app.Run("http://127.0.0.1:5057");
CS
dotnet build "$WORK/csharp/verifier.cs" -v q -nologo > "$WORK/csharp/build.log" 2>&1 || fail "the C# verifier does not build: $WORK/csharp/build.log"
SECRET="$SECRET" LOG="$WORK/csharp.log" dotnet run --no-build "$WORK/csharp/verifier.cs" > "$WORK/csharp/out.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:5057/" && break; sleep 0.5; done
call POST /api/v1/schedules "${AUTH[@]}" -d '{"name": "Render now (C#)", "jobType": "publish", "scheduleType": "once",
    "scheduledAt": "2027-06-01T09:00", "timezone": "Europe/Paris", "webhookUrl": "http://127.0.0.1:5057/hooks/scheduling"}' > "$WORK/csharp.json"
expect 201 "a schedule delivering to the C# receiver"
call POST "/api/v1/schedules/$(jq -r .id "$WORK/csharp.json")/run" "${AUTH[@]}" > "$WORK/run-cs.json"
expect 202 "run now (C#)"
RUN_CS=$(jq -r .id "$WORK/run-cs.json")
for _ in $(seq 60); do
    [[ "$(call GET "/api/v1/executions/$RUN_CS" -H "Authorization: Bearer $TOKEN" | jq -r .execution.status)" == completed ]] && break; sleep 0.5
done
call GET "/api/v1/executions/$RUN_CS" -H "Authorization: Bearer $TOKEN" | jq -e '.execution.result.body.rendered == true' >/dev/null \
    || fail "the C# receiver's run: $(cat "$WORK/body")"
grep -qx "$RUN_CS" "$WORK/csharp.log" && ! grep -q rejected "$WORK/csharp.log" || fail "the C# verifier did not accept the signature"
echo "delivered, verified by the C# snippet, completed"

step "3. Answer 202, then call back; report progress while working"
call POST /api/v1/schedules "${AUTH[@]}" -d "{\"name\": \"Accept later\", \"jobType\": \"publish\", \"scheduleType\": \"once\",
    \"scheduledAt\": \"2027-06-01T09:00\", \"timezone\": \"Europe/Paris\", \"webhookUrl\": \"$HOOKS/hooks/scheduling\"}" > "$WORK/later.json"
expect 201 "the 202 schedule"
call POST "/api/v1/schedules/$(jq -r .id "$WORK/later.json")/run" "${AUTH[@]}" > "$WORK/run2.json"
expect 202 "run now (202 one)"
EXECUTION_ID=$(jq -r .id "$WORK/run2.json")
for _ in $(seq 60); do grep -q "\"key\": \"$EXECUTION_ID\"" "$WORK/hooks.log" && break; sleep 0.5; done
sleep 0.5
call POST "/api/v1/executions/$EXECUTION_ID/progress" "${AUTH[@]}" -d '{"percent": 40, "stage": "assemble", "message": "Rendering scene 3 of 8"}' > "$WORK/progress.json"
expect 200 "progress"
jq -e '.accepted == true and .progress.percent == 40 and .progress.stage == "assemble" and .progress.stalled == false' "$WORK/progress.json" >/dev/null \
    || fail "progress answer: $(cat "$WORK/progress.json")"
call POST "/api/v1/executions/$EXECUTION_ID/progress" "${AUTH[@]}" -d '{"percent": 30, "stage": "assemble"}' | jq -e '.accepted == false' >/dev/null \
    || fail "a lower percent in the same stage is not ignored"
call GET "/api/v1/executions/$EXECUTION_ID/progress" -H "Authorization: Bearer $TOKEN" | jq -e '.executionId and .latest.percent == 40 and (.history | length) >= 1' >/dev/null \
    || fail "the progress read: $(cat "$WORK/body")"
call POST "/api/v1/executions/$EXECUTION_ID/complete" "${AUTH[@]}" -d '{"result": {"videoUrl": "https://cdn.example.com/v/123.mp4"}}' > /dev/null
expect 200 "complete"
call POST "/api/v1/executions/$EXECUTION_ID/fail" "${AUTH[@]}" -d '{"error": "render node out of disk"}' > /dev/null
expect 409 "a callback for a run that ended"
call POST "/api/v1/executions/$EXECUTION_ID/progress" "${AUTH[@]}" -d '{"percent": 100}' > /dev/null
expect 409 "progress after the end"
call GET "/api/v1/executions/$EXECUTION_ID" -H "Authorization: Bearer $TOKEN" | jq -e '.execution.status == "completed" and .execution.result.callback.videoUrl and .execution.result.delivery.status == 202' >/dev/null \
    || fail "the called-back run: $(cat "$WORK/body")"

step "3. Produce now, publish later: the guide's schedule"
call POST /api/v1/schedules "${AUTH[@]}" -d '{"name": "Weekly video", "jobType": "video_generation", "timezone": "Europe/Paris",
       "recurrence": {"frequency": "weekly", "byDay": ["FR"], "timesOfDay": ["09:00"]}, "publishAt": "+2d@12:00"}' > "$WORK/publish.json"
expect 201 "the publish-later schedule"
jq -e '.publishAt == "+2d@12:00" and (.publishAtDescription | test("2 days later at 12:00"))' "$WORK/publish.json" >/dev/null \
    || fail "publishAtDescription: $(cat "$WORK/publish.json")"
call POST /api/v1/schedules "${AUTH[@]}" -d '{"name": "Caption", "jobType": "caption_generation", "timezone": "Europe/Paris",
       "recurrence": {"frequency": "weekly", "byDay": ["FR"], "timesOfDay": ["09:00"]}, "publishAt": "+2d@12:00"}' > /dev/null
expect 400 "publishAt on a pipeline with nothing marked publishing"
jq -e '.errors.publishAt' "$WORK/body" >/dev/null || fail "the 400 does not name publishAt: $(cat "$WORK/body")"

step "4. Idempotency: the same key and body replays, another body is a 422"
call POST /api/v1/schedules "${AUTH[@]}" -H "Idempotency-Key: 7b0e6c1e-weekly-video" -d "$WEEKLY_BODY" > "$WORK/replay.json"
[[ "$(status)" == 201 ]] && grep -qi '^idempotent-replayed: true' "$WORK/headers" && [[ "$(jq -r .id "$WORK/replay.json")" == "$WEEKLY" ]] \
    || fail "the replay: $(status) $(cat "$WORK/headers")"
call POST /api/v1/schedules "${AUTH[@]}" -H "Idempotency-Key: 7b0e6c1e-weekly-video" -d "$(echo "$WEEKLY_BODY" | jq -c '.name = "Other"')" > /dev/null
expect 422 "the same key with another body"

step "5. Rate limits: the anonymous preview until 429, with Retry-After and RateLimit-*"
for i in $(seq 130); do
    call POST /api/v1/recurrence/preview -H "Content-Type: application/json" -d '{"cron": "0 9 * * *", "timezone": "UTC", "count": 1}' > /dev/null
    [[ "$(status)" == 429 ]] && break
done
expect 429 "the 121st anonymous preview in a minute"
grep -qi '^retry-after: [0-9]' "$WORK/headers" && grep -qi '^ratelimit-remaining: 0' "$WORK/headers" && grep -qi '^ratelimit-reset: [0-9]' "$WORK/headers" \
    || fail "the 429's headers: $(cat "$WORK/headers")"
echo "429 after $i calls: $(grep -i '^retry-after' "$WORK/headers" | tr -d '\r')"

step "6. Pagination"
call GET "/api/v1/schedules?page=2&pageSize=2&sort=-createdAt" -H "Authorization: Bearer $TOKEN" \
    | jq -e '(.items | length) == 2 and .total >= 6 and .page == 2 and .pageSize == 2' >/dev/null || fail "a page: $(cat "$WORK/body")"
call GET "/api/v1/schedules?pageSize=500" -H "Authorization: Bearer $TOKEN" > /dev/null
expect 400 "pageSize beyond 200"

step "8. Errors: a 400 names each field"
call POST /api/v1/schedules "${AUTH[@]}" -d '{"name": "", "jobType": "publish", "scheduleType": "recurring", "timezone": "UTC",
    "recurrence": {"rrule": "FREQ=SOMETIMES"}}' > /dev/null
expect 400 "an invalid schedule"
grep -qi '^content-type: application/problem+json' "$WORK/headers" || fail "not problem details"
jq -e '.errors.name and .errors["recurrence.rrule"] and .traceId and .status == 400' "$WORK/body" >/dev/null || fail "the 400: $(cat "$WORK/body")"

step "10. Lifecycle events: subscribe, the guide's JavaScript verifier as the receiver, ping, an event, redeliver"
cat > "$WORK/events.js" <<'JS'
// The guide's Express handler's checks on Node's own http server (Express is not needed to check the bytes).
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const secretFile = process.env.SECRET_FILE;
http.createServer((req, res) => {
  const chunks = [];
  req.on("data", c => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const secret = fs.existsSync(secretFile) ? fs.readFileSync(secretFile, "utf8").trim() : "";
    const expected = "sha256=" + crypto.createHmac("sha256", secret).update(body).digest("hex");
    const given = req.headers["x-signature-256"] || "";
    if (given.length !== expected.length ||
        !crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      fs.appendFileSync(process.env.LOG, JSON.stringify({ rejected: true }) + "\n");
      res.writeHead(401); return res.end();
    }
    const event = JSON.parse(body.toString("utf8"));
    fs.appendFileSync(process.env.LOG, JSON.stringify({ key: req.headers["idempotency-key"], type: req.headers["x-scheduling-event"], event }) + "\n");
    res.writeHead(200, { "Content-Type": "application/json" }); res.end("{}");
  });
}).listen(5056, "127.0.0.1");
JS
SECRET_FILE="$WORK/event-secret" LOG="$WORK/events.log" node "$WORK/events.js" > "$WORK/events.out" 2>&1 &
PIDS+=($!)
sleep 0.5
call POST /api/v1/workspace/event-subscriptions "${AUTH[@]}" -d "{\"url\": \"$EVENTS/events\", \"events\": [\"*\"]}" > "$WORK/subscription.json"
expect 201 "subscribe"
jq -r '.secret // .subscription.secret // empty' "$WORK/subscription.json" > "$WORK/event-secret"
[[ -s "$WORK/event-secret" ]] || fail "no secret in the subscription's answer: $(cat "$WORK/subscription.json")"
SUBSCRIPTION=$(jq -r '.id // .subscription.id' "$WORK/subscription.json")
call POST "/api/v1/workspace/event-subscriptions/$SUBSCRIPTION/test" -H "Authorization: Bearer $TOKEN" > /dev/null
[[ "$(status)" == 200 || "$(status)" == 202 ]] || fail "test ping: $(status) $(cat "$WORK/body")"
call POST "/api/v1/schedules/$WEEKLY/pause" "${AUTH[@]}" -d '{"note": "events"}' > /dev/null
expect 200 "pause for an event"
for _ in $(seq 60); do grep -q '"type":"schedule.paused"' "$WORK/events.log" 2>/dev/null && break; sleep 0.5; done
grep -q '"type":"ping"' "$WORK/events.log" || fail "no verified ping: $(cat "$WORK/events.log" 2>/dev/null)"
grep -q '"type":"schedule.paused"' "$WORK/events.log" || fail "no verified schedule.paused: $(cat "$WORK/events.log" 2>/dev/null)"
grep -q '"rejected":true' "$WORK/events.log" && fail "the JavaScript verifier rejected a signature"
jq -se --arg id "$WEEKLY" '[.[] | select(.type == "schedule.paused")][0] | .key == .event.id and .event.data.id == $id
    and .event.data.status == "paused" and .event.occurredAt and .event.workspaceId' "$WORK/events.log" >/dev/null \
    || fail "the envelope differs from section 10: $(grep schedule.paused "$WORK/events.log")"
call GET "/api/v1/workspace/event-deliveries" -H "Authorization: Bearer $TOKEN" > "$WORK/deliveries.json"
expect 200 "the delivery log"
DELIVERY=$(jq -r '[.items[] | select(.eventType == "schedule.paused" or .type == "schedule.paused")][0].id' "$WORK/deliveries.json")
[[ "$DELIVERY" != null && -n "$DELIVERY" ]] || fail "schedule.paused is not in the delivery log: $(cat "$WORK/deliveries.json")"
EVENT_ID=$(jq -r '[.[] | select(.type == "schedule.paused")][0].key' <(jq -s . "$WORK/events.log") 2>/dev/null || true)
call POST "/api/v1/workspace/event-deliveries/$DELIVERY/redeliver" -H "Authorization: Bearer $TOKEN" > /dev/null
[[ "$(status)" == 200 || "$(status)" == 202 ]] || fail "redeliver: $(status) $(cat "$WORK/body")"
for _ in $(seq 60); do [[ $(grep -c '"type":"schedule.paused"' "$WORK/events.log") -ge 2 ]] && break; sleep 0.5; done
[[ $(grep -c '"type":"schedule.paused"' "$WORK/events.log") -ge 2 ]] || fail "the redelivery did not arrive"
[[ $(jq -s '[.[] | select(.type == "schedule.paused") | .key] | unique | length' "$WORK/events.log") == 1 ]] \
    || fail "the redelivery has another Idempotency-Key"
echo "ping and schedule.paused verified by the JavaScript snippet; the redelivery kept the id $EVENT_ID"

step "Done: every section of docs/integrations.md answered as written ($WORK)"
