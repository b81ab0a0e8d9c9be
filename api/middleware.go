package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/conductor-sec/conductor/guardrails"
)

// Context keys under which the middleware leaves what handlers need.
const (
	ctxRequestID = "conductor.request_id"
	ctxPrincipal = "conductor.principal"
)

// principalKey carries the principal in a request's context.Context too, for
// handlers outside gin (the MCP server).
type principalKey struct{}

// withPrincipal returns ctx carrying p.
func withPrincipal(ctx context.Context, p guardrails.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the principal ctx carries, if any.
func principalFrom(ctx context.Context) (guardrails.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(guardrails.Principal)
	return p, ok && p.Name != ""
}

// contentSecurityPolicy allows only this origin's own scripts, styles,
// images and API calls: no inline script, no outside image (threat T2).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// requestIDs gives every request a random id, returned in X-Request-Id and
// named in every log line about the request.
func requestIDs(c *gin.Context) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// routeOf is the route template ("/api/v1/cases/:id"), which keeps metric
// labels and logs bounded whatever ids clients send.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// accessLog logs one line per request and feeds the request metrics. It logs
// the route, never headers or query strings, so no token or search text
// reaches the log.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()

	elapsed := time.Since(start)
	route, code := routeOf(c), fmt.Sprint(c.Writer.Status())
	s.metrics.observe(route, c.Request.Method, code, elapsed)
	actor := ""
	if p, ok := principalFrom(c.Request.Context()); ok {
		actor = p.Name
	}
	s.log.Info("request", "request_id", requestID(c), "method", c.Request.Method,
		"route", route, "status", c.Writer.Status(), "duration_ms", elapsed.Milliseconds(),
		"actor", actor)
}

// recoverPanics turns a handler panic into an internal error for
// [Server.renderErrors]; the stack stays in the log.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("handler panicked", "request_id", requestID(c), "panic", fmt.Sprint(v))
			_ = c.Error(fmt.Errorf("panic: %v", v))
			c.Abort()
		}
	}()
	c.Next()
}

// securityHeaders applies to every response, API and console alike.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	c.Next()
}

// authenticate checks the bearer token and leaves the principal in the
// request. viaMCP selects the MCP form of the principal ("mcp:NAME").
func (s *Server) authenticate(viaMCP bool) gin.HandlerFunc {
	return handle(func(c *gin.Context) error {
		token, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			return apiErr(http.StatusUnauthorized, "unauthenticated",
				"send an API key as 'Authorization: Bearer TOKEN'", nil)
		}
		key, ok := s.cfg.Keys.Lookup(token)
		if !ok {
			return apiErr(http.StatusUnauthorized, "invalid_token", "the API key is not valid",
				nil)
		}

		p := key.Principal(viaMCP)
		c.Set(ctxPrincipal, p)
		c.Request = c.Request.WithContext(withPrincipal(c.Request.Context(), p))
		c.Next()
		return nil
	})
}

// bearer extracts the token of an "Authorization: Bearer TOKEN" header.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// principal returns the authenticated caller; [Server.authenticate] ran
// before every handler that calls it.
func principal(c *gin.Context) guardrails.Principal {
	p, _ := c.Get(ctxPrincipal)
	pr, _ := p.(guardrails.Principal)
	return pr
}

// allow lets only callers with one of roles through.
func allow(roles ...string) gin.HandlerFunc {
	return handle(func(c *gin.Context) error {
		p := principal(c)
		if !slices.Contains(roles, p.Role) {
			return apiErr(http.StatusForbidden, "forbidden",
				fmt.Sprintf("role %s may not do this; it needs one of %s", p.Role,
					strings.Join(roles, ", ")), nil)
		}
		c.Next()
		return nil
	})
}
