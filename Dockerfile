# billing-guard image: build the jar with Maven, run it on a JRE 17 as a non-root numeric user.
# No base image can be pulled on the project's build machines, so this file is not built by its tests:
# build it where your registry is reachable, e.g.  docker build -t REGISTRY/billing-guard:0.1.0 .
#
# The chart runs the entry point with `serve --config /etc/billing-guard/config.yaml` and passes JVM options
# in JAVA_OPTS (chart value javaOptions).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
RUN mvn -B -q package -DskipTests && cp target/billing-guard.jar /billing-guard.jar
# Optional AppCDS archive (faster start): a dry run that loads the classes `serve` needs, then exits.
ARG APPCDS=true
RUN if [ "$APPCDS" = "true" ]; then \
      java -XX:ArchiveClassesAtExit=/billing-guard.jsa -jar /billing-guard.jar serve --help >/dev/null; \
    else touch /billing-guard.jsa.absent; fi

FROM eclipse-temurin:17-jre
COPY --from=build /billing-guard.jar /app/billing-guard.jar
COPY --from=build /billing-guard.js* /app/
# The chart mounts config, catalog and certificates here; the root filesystem is read-only at run time.
RUN mkdir -p /etc/billing-guard && rm -f /app/billing-guard.jsa.absent
USER 65532:65532
EXPOSE 8443 8080
ENV JAVA_OPTS=""
ENTRYPOINT ["/bin/sh", "-c", "if [ -f /app/billing-guard.jsa ]; then CDS=-XX:SharedArchiveFile=/app/billing-guard.jsa; fi; exec java $CDS $JAVA_OPTS -jar /app/billing-guard.jar \"$@\"", "billing-guard"]
CMD ["serve", "--config", "/etc/billing-guard/config.yaml"]
