# Multi-stage build of the one host. The restore layer is cached: it depends only on the build props
# and project files, copied before the sources.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Scheduling.Core/Scheduling.Core.csproj src/Scheduling.Core/
COPY src/Scheduling.Web/Scheduling.Web.csproj src/Scheduling.Web/
RUN dotnet restore src/Scheduling.Web/Scheduling.Web.csproj
COPY src/ src/
# The same publish command test.sh runs in CI (no Docker engine there).
RUN dotnet publish src/Scheduling.Web/Scheduling.Web.csproj -c Release -o /app -p:UseAppHost=false --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The image's non-root user (uid 1654); the SQLite default keeps its file under /app/data.
RUN mkdir -p /app/data && chown app /app/data
USER app
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
# Orchestrators probe GET /healthz (JSON; 503 when the database or the Hangfire server is down).
ENTRYPOINT ["dotnet", "Scheduling.Web.dll"]
