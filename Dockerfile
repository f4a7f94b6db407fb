# One image for every role: the silo (default) and the load balancer.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/PassGrains.Server -c Release -o /out/server \
 && dotnet publish src/PassGrains.LoadBalancer -c Release -o /out/lb \
 && dotnet publish src/PassGrains.Cli -c Release -o /out/cli

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /out /app
WORKDIR /data
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 PassGrains__DataDirectory=/data
# 8080: HTTP; 11111: the silo port (mutual TLS between silos). No Orleans client gateway is opened.
EXPOSE 8080 11111
HEALTHCHECK --interval=5s --timeout=3s --retries=12 CMD curl -fs http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["dotnet", "/app/server/PassGrains.Server.dll"]
