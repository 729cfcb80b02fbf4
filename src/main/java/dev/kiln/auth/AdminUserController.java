package dev.kiln.auth;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Admins create users; each new user gets a first API token, shown once in the answer. */
@RestController
class AdminUserController {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Users users;

    AdminUserController(Users users) {
        this.users = users;
    }

    record Created(User user, String token) {
    }

    @PostMapping(path = "/api/v1/admin/users", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Created> create(@RequestBody JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalidField("body", "The body must be a JSON object {name, role?}.");
        }
        JsonNode name = body.get("name");
        if (name == null || !name.isString() || !NAME.matcher(name.asString()).matches()) {
            throw ApiException.invalidField("name", "name must be 1 to 64 letters, digits, '.', '_' or '-'.");
        }
        Role role;
        JsonNode roleField = body.get("role");
        if (roleField == null || roleField.isNull()) {
            role = Role.MEMBER;
        } else if (roleField.isString() && (roleField.asString().equals("member") || roleField.asString().equals("admin"))) {
            role = Role.valueOf(roleField.asString().toUpperCase(Locale.ROOT));
        } else {
            throw ApiException.invalidField("role", "role must be \"member\" or \"admin\".");
        }
        User user = users.create(name.asString(), role).orElseThrow(() ->
                new ApiException(ErrorCode.USER_EXISTS, "A user named '" + name.asString() + "' already exists.")
                        .with("field", "name"));
        Users.IssuedToken token = users.issueToken(user.id(), "first token", null);
        return ResponseEntity.created(URI.create("/api/v1/admin/users/" + user.id())).body(new Created(user, token.token()));
    }
}
