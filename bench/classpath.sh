# Shared by the bench scripts: compiles Kiln and its test code, and sets JAVA and BENCH_CP.
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >&2
BENCH_CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
