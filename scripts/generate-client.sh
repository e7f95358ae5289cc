#!/usr/bin/env bash
# Regenerates the C# client the tests drive (tests/Scheduling.Web.Tests/Api/Client) from the OpenAPI document the app
# serves: starts the app on a free loopback port with a throwaway SQLite database, saves /openapi/v1.json (without its
# `servers`, which name this run's port) as Client/openapi.json, and runs Kiota (pinned in .config/dotnet-tools.json).
# OpenApiClientTests fails while that file differs from what the app serves: run this script and commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CLIENT="$ROOT/tests/Scheduling.Web.Tests/Api/Client"
WORK=$(mktemp -d /tmp/scheduling-client.XXXXXX)
APP_PID=""
cleanup() { [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet tool restore >/dev/null
dotnet build src/Scheduling.Web/Scheduling.Web.csproj -v q --nologo >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 5799)
ASPNETCORE_ENVIRONMENT=Testing App__PublicBaseUrl="http://127.0.0.1:$PORT" ConnectionStrings__Scheduling="Data Source=$WORK/app.db" Mail__PickupDirectory="$WORK/mail" \
  dotnet src/Scheduling.Web/bin/Debug/net10.0/Scheduling.Web.dll --urls "http://127.0.0.1:$PORT" --contentRoot "$ROOT/src/Scheduling.Web" >"$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/openapi/v1.json" -o "$WORK/served.json" && break
  sleep 1
done
[ -s "$WORK/served.json" ] || { cat "$WORK/app.log"; echo "The app did not serve /openapi/v1.json"; exit 1; }

mkdir -p "$CLIENT"
node -e '
  const fs = require("fs");
  const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  delete doc.servers;
  fs.writeFileSync(process.argv[2], JSON.stringify(doc, null, 2) + "\n");
' "$WORK/served.json" "$CLIENT/openapi.json"

# No network: Kiota's update check would wait on GitHub.
KIOTA_UPDATE__DISABLED=true dotnet tool run kiota generate --language CSharp --openapi "$CLIENT/openapi.json" \
  --output "$CLIENT/Generated" --class-name SchedulingApiClient --namespace-name Scheduling.Web.Tests.Api.Client.Generated \
  --exclude-path "/Account/**" --exclude-backward-compatible --clean-output --log-level Warning
echo "Client regenerated in $CLIENT/Generated from $CLIENT/openapi.json"
