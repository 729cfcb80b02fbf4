package dev.kiln.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

class SecretsTest {

    @Test
    void textLogsUseTheSameExpressionAsJsonLogs() {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yaml"));
        assertThat(yaml.getObject().getProperty("logging.pattern.redact")).isEqualTo(Secrets.PATTERN);
        assertThat(yaml.getObject().getProperty("logging.pattern.console")).contains("'" + Secrets.REPLACEMENT + "'");
    }

    @Test
    void everyKindOfSecretIsMasked() {
        String token = "kiln_abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrst";
        assertThat(Secrets.redact("saw " + token + " twice")).isEqualTo("saw kiln_[redacted] twice");
        assertThat(Secrets.redact("GET /api/v1/stream?ticket=wst_abcdefghijklmnopqrstu&x=1"))
                .isEqualTo("GET /api/v1/stream?ticket=[redacted]&x=1");
        assertThat(Secrets.redact("/content?expires=1&sig=00ff00ff")).isEqualTo("/content?expires=1&sig=[redacted]");
        assertThat(Secrets.redact("{\"token\":\"operator-chosen\"}")).isEqualTo("{\"token\":\"[redacted]\"}");
        assertThat(Secrets.redact("header Authorization=Basic YTpi, next"))
                .isEqualTo("header Authorization=[redacted], next");
        assertThat(Secrets.redact("using Bearer my-own")).isEqualTo("using Bearer [redacted]");
        assertThat(Secrets.redact("jdbc:postgresql://kiln:s3cret@db/kiln?password=s3cret"))
                .isEqualTo("jdbc:postgresql://kiln:[redacted]@db/kiln?password=[redacted]");
    }

    @Test
    void textWithoutSecretsIsLeftAlone() {
        String text = "Job job_abc failed: token expired at 12:00, see https://kiln.example/api/v1/jobs?state=failed";
        assertThat(Secrets.redact(text)).isEqualTo(text);
    }
}
