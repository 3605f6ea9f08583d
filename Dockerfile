# One image per service, built from the jar that `mvn -DskipTests package` leaves in <service>/target:
#   docker build --build-arg SERVICE=key-service -t parapet/key-service .
# docker-compose.yml builds all four this way.
FROM eclipse-temurin:17-jre
ARG SERVICE
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app parapet
WORKDIR /app
COPY ${SERVICE}/target/${SERVICE}.jar /app/service.jar
USER 10001
ENV SERVER_ADDRESS=0.0.0.0 \
    SERVER_PORT=8080 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/actuator/health/readiness || exit 1
ENTRYPOINT ["java", "-jar", "/app/service.jar"]
