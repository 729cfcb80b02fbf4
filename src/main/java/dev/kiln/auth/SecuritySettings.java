package dev.kiln.auth;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What browsers on other sites may do with Kiln.
 *
 * @param allowedOrigins browser origins ({@code https://app.example}) that may call the API (CORS)
 *                       and open the WebSocket; empty means the server's own origin only
 */
@ConfigurationProperties("kiln.security")
public record SecuritySettings(@DefaultValue List<String> allowedOrigins) {}
