package dev.kiln.auth;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Browser sessions.
 *
 * @param lifetime     how long a browser stays signed in; default 7d
 * @param secureCookie mark the session cookie {@code Secure}; default true. Browsers keep Secure
 *                     cookies from https origins and from http://localhost only, so switch it off
 *                     only to reach Kiln over plain http from another machine.
 */
@ConfigurationProperties("kiln.sessions")
public record SessionSettings(
        @DefaultValue("7d") Duration lifetime,
        @DefaultValue("true") boolean secureCookie) {}
