package dev.kiln.auth;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code Authorization: Bearer <token>}. A request without the header goes on
 * anonymous (and is refused later if the endpoint needs a user); a bad token is refused here.
 */
class BearerTokenFilter extends OncePerRequestFilter {

    private static final String PREFIX = "Bearer ";

    private final Users users;
    private final AuthenticationEntryPoint refuse;
    private final ProblemWriter databaseDown;

    /** Writes the answer for "the database is not reachable" outside Spring MVC. */
    @FunctionalInterface
    interface ProblemWriter {
        void write(HttpServletResponse response) throws IOException;
    }

    BearerTokenFilter(Users users, AuthenticationEntryPoint refuse, ProblemWriter databaseDown) {
        this.users = users;
        this.refuse = refuse;
        this.databaseDown = databaseDown;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            chain.doFilter(request, response);
            return;
        }
        Optional<User> user;
        try {
            user = header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                    ? users.authenticate(header.substring(PREFIX.length()).trim())
                    : Optional.empty();
        } catch (DataAccessResourceFailureException | TransientDataAccessException e) {
            // Not a bad token: we cannot check it now. Say so, rather than 401 or 500.
            databaseDown.write(response);
            return;
        }
        if (user.isEmpty()) {
            SecurityContextHolder.clearContext();
            refuse.commence(request, response, new BadCredentialsException("The bearer token is unknown, revoked or expired."));
            return;
        }
        var authority = new SimpleGrantedAuthority("ROLE_" + user.get().role().name());
        var authentication = new UsernamePasswordAuthenticationToken(user.get(), null, List.of(authority));
        SecurityContextHolder.getContext().setAuthentication(authentication);
        chain.doFilter(request, response);
    }
}
