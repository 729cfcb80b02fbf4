package dev.kiln.live;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Live progress transports: WebSocket, SSE and long polling.
 *
 * @param pingInterval             how often the server pings each WebSocket; default 25s
 * @param pongTimeout              how long a client has to answer a ping before it is closed; default 10s
 * @param maxConnectionsPerUser    WebSocket connections one user may hold on one node; default 16
 * @param maxConnectionsPerIp      WebSocket connections one client address may hold on one node (0:
 *                                 no limit); default 64
 * @param maxSubscriptions         jobs one WebSocket connection may follow; default 1000
 * @param maxMessageSize           largest message a client may send; default 16KB
 * @param messagesPerSecond        sustained rate of client messages per connection; default 50
 * @param outboundBuffer           messages queued for a client before it counts as too slow and is
 *                                 closed (it reconnects and replays); default 1000
 * @param sendTimeLimit            longest one send to a client may take before it counts as too
 *                                 slow; default 10s
 * @param ticketTtl                how long a WebSocket ticket stays valid; default 30s
 * @param sseHeartbeat             how often an idle SSE stream sends a comment line; default 15s
 * @param maxWait                  longest a long poll ({@code wait=}) may wait; default 30s
 * @param accessCheckInterval      how often the credentials of open streams are checked again (token
 *                                 and session expiry, and a notice from another node that was lost);
 *                                 default 5s
 */
@ConfigurationProperties("kiln.stream")
public record StreamSettings(
        @DefaultValue("25s") Duration pingInterval,
        @DefaultValue("10s") Duration pongTimeout,
        @DefaultValue("16") int maxConnectionsPerUser,
        @DefaultValue("64") int maxConnectionsPerIp,
        @DefaultValue("1000") int maxSubscriptions,
        @DefaultValue("16KB") DataSize maxMessageSize,
        @DefaultValue("50") int messagesPerSecond,
        @DefaultValue("1000") int outboundBuffer,
        @DefaultValue("10s") Duration sendTimeLimit,
        @DefaultValue("30s") Duration ticketTtl,
        @DefaultValue("15s") Duration sseHeartbeat,
        @DefaultValue("30s") Duration maxWait,
        @DefaultValue("5s") Duration accessCheckInterval) {}
