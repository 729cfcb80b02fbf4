package dev.kiln.auth;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The first administrator.
 *
 * @param name  user name of the admin created on first start; default {@code admin}
 * @param token API token for that admin, for automation; empty means Kiln makes one and prints
 *              it once on first start
 */
@ConfigurationProperties("kiln.admin")
public record AdminSettings(@DefaultValue("admin") String name, String token) {

    @Override
    public String toString() {
        return "AdminSettings[name=" + name + ", token=" + (token == null ? "none" : "***") + "]";
    }
}
