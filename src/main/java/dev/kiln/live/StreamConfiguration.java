package dev.kiln.live;

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

    StreamConfiguration(StreamSocketHandler handler) {
        this.handler = handler;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        // Origins are checked after the upgrade, so that a refused browser sees close code 1008
        // rather than an unexplained failed handshake.
        registry.addHandler(handler, "/api/v1/stream").setAllowedOriginPatterns("*");
    }

    @Bean
    ServletServerContainerFactoryBean createWebSocketContainer(StreamSettings settings) {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        // Bigger messages are refused by the container with 1009.
        container.setMaxTextMessageBufferSize((int) settings.maxMessageSize().toBytes());
        container.setMaxBinaryMessageBufferSize(1024);
        // Our pings keep healthy sockets busy; this only reaps the ones nobody closed.
        container.setMaxSessionIdleTimeout(settings.pingInterval().plus(settings.pongTimeout()).plusSeconds(30).toMillis());
        return container;
    }
}
