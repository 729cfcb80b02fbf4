package dev.kiln.live;

import dev.kiln.api.ServletProblems;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class StreamConfiguration implements WebSocketConfigurer {

    private final StreamSocketHandler handler;
    private final ServletProblems problems;

    StreamConfiguration(StreamSocketHandler handler, ServletProblems problems) {
        this.handler = handler;
        this.problems = problems;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // Origins are checked after the upgrade, so that a refused browser sees close code 1008
        // rather than an unexplained failed handshake.
        registry.addHandler(handler, "/api/v1/stream")
                .setAllowedOriginPatterns("*")
                .addInterceptors(new HandshakeProblems(problems));
    }

    /**
     * Tomcat gives every WebSocket its own buffers, sized by this (default 8 KB) and allocated
     * whether or not the socket ever sends anything; Kiln's messages are small and idle sockets
     * many. Read by Tomcat when its WebSocket classes load, so set before the server starts.
     */
    private static final String TOMCAT_WEBSOCKET_BUFFER = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";

    private static final int WEBSOCKET_BUFFER = 2048;
    /** The container's per-socket text buffer (chars); longer client messages arrive in parts. */
    private static final int TEXT_BUFFER = 1024;

    /**
     * Many idle sockets should cost little heap: small WebSocket buffers, and the connector's 16 KB
     * of socket buffers per connection in direct (native) memory, outside the garbage-collected heap.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> lightConnections() {
        return factory -> {
            if (System.getProperty(TOMCAT_WEBSOCKET_BUFFER) == null) {
                System.setProperty(TOMCAT_WEBSOCKET_BUFFER, Integer.toString(WEBSOCKET_BUFFER));
            }
            factory.addConnectorCustomizers(connector -> connector.setProperty("socket.directBuffer", "true"));
        };
    }

    @Bean
    ServletServerContainerFactoryBean createWebSocketContainer(StreamSettings settings) {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(TEXT_BUFFER);
        container.setMaxBinaryMessageBufferSize(128); // Kiln's protocol is text only
        // Our pings keep healthy sockets busy; this only reaps the ones nobody closed.
        container.setMaxSessionIdleTimeout(settings.pingInterval()
                .plus(settings.pongTimeout())
                .plusSeconds(30)
                .toMillis());
        return container;
    }
}
