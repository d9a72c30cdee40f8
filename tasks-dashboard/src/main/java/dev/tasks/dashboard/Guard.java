package dev.tasks.dashboard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * Who may see and do what. The rules, in the order {@link Router} applies them:
 * <ol>
 *   <li>Bound to a loopback address, the {@code Host} header must name a loopback host, so that a web page
 *       whose domain is made to resolve to 127.0.0.1 (DNS rebinding) cannot read or drive the dashboard.</li>
 *   <li>With credentials, every request needs them (pages show payloads, which may hold personal data).</li>
 *   <li>A write action (POST) needs: write actions on (not read-only; and credentials when bound beyond
 *       localhost), the page's CSRF token, and no {@code Origin} header other than the dashboard's own.</li>
 * </ol>
 * Immutable and thread-safe.
 */
final class Guard {
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");

    private final boolean loopbackBind;
    private final DashboardCredentials credentials;
    private final String readOnlyReason;
    private final String csrfToken;

    Guard(boolean loopbackBind, DashboardCredentials credentials, boolean readOnly) {
        this.loopbackBind = loopbackBind;
        this.credentials = credentials;
        if (readOnly) {
            readOnlyReason = "started in read-only mode; replay, purge and revoke are off.";
        } else if (!loopbackBind && credentials == null) {
            readOnlyReason = "bound beyond localhost without credentials; set " + DashboardCredentials.PASSWORD_ENV
                    + " or " + DashboardCredentials.PASSWORD_FILE_ENV + " to turn on replay, purge and revoke.";
        } else {
            readOnlyReason = null;
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.csrfToken = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** Why write actions are off, or null when they are on. */
    String readOnlyReason() {
        return readOnlyReason;
    }

    /** The token every form carries; random per dashboard instance. */
    String csrfToken() {
        return csrfToken;
    }

    /** Whether credentials are required. */
    boolean authRequired() {
        return credentials != null;
    }

    /** Whether the {@code Host} header is acceptable (always, unless bound to loopback). */
    boolean hostAllowed(String host) {
        if (!loopbackBind) {
            return true;
        }
        if (host == null) {
            return false;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        return LOOPBACK_HOSTS.contains(h);
    }

    /** Whether the request's {@code Authorization} header is good enough for this dashboard. */
    boolean authenticated(String authorization) {
        return credentials == null || credentials.accepts(authorization);
    }

    /**
     * Why a write action must be refused, or null to let it through.
     *
     * @param csrf the form's token
     * @param origin the {@code Origin} header, or null
     * @param host the {@code Host} header
     */
    String refuseWrite(String csrf, String origin, String host) {
        if (readOnlyReason != null) {
            return "write actions are off: " + readOnlyReason;
        }
        if (csrf == null || !MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
                csrfToken.getBytes(StandardCharsets.UTF_8))) {
            return "the form's CSRF token is missing or wrong (reload the page and try again)";
        }
        if (origin != null && !origin.equals("null") && host != null && !sameOrigin(origin, host)) {
            return "the request came from another site (Origin " + origin + ")";
        }
        if (origin != null && origin.equals("null")) {
            return "the request came from an opaque origin";
        }
        return null;
    }

    private static boolean sameOrigin(String origin, String host) {
        String o = origin.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        return o.equals("http://" + h) || o.equals("https://" + h);
    }
}
