package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/mark3labs/mcp-go/server"

	"github.com/conductor-sec/conductor/agent"
	"github.com/conductor-sec/conductor/internal/app"
	"github.com/conductor-sec/conductor/internal/ingest"
)

// Config wires a [Server]. App and Keys are required.
type Config struct {
	// App is the running application: store, engine, guard, telemetry.
	App *app.App
	// Keys authenticates callers.
	Keys   *Keys
	Logger *slog.Logger
	// MaxBodyBytes caps JSON request bodies; zero means 1 MiB.
	MaxBodyBytes int64
	// MaxIngestBytes caps POST /ingest uploads; zero means the ingest file cap
	// of the app's config, or 16 MiB when that is unset.
	MaxIngestBytes int64
	// PollInterval is how often an event stream looks for new steps; zero
	// means 500ms.
	PollInterval time.Duration
	// KeepAlive is how often an idle event stream sends a comment so proxies
	// keep it open; zero means 15s.
	KeepAlive time.Duration
	// ShutdownTimeout bounds a graceful shutdown in [Server.Serve]; zero
	// means 30s.
	ShutdownTimeout time.Duration
}

// Server is Conductor's HTTP front end. Build it with [New], serve
// [Server.Handler] or call [Server.Serve], and [Server.Close] it.
type Server struct {
	cfg     Config
	app     *app.App
	log     *slog.Logger
	router  *gin.Engine
	mcp     *server.StreamableHTTPServer
	metrics *metrics
	locks   *agent.CaseLocks
	ingest  ingest.Options

	// done is closed when the server shuts down, ending event streams, which
	// would otherwise keep a graceful shutdown waiting.
	done      chan struct{}
	closeOnce sync.Once
}

var ginMode sync.Once

// New validates cfg and builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	// gin's debug mode prints every route on stdout; the mode is global.
	ginMode.Do(func() { gin.SetMode(gin.ReleaseMode) })

	s := &Server{
		cfg: cfg, app: cfg.App, log: cfg.Logger.With("component", "api"),
		locks: cfg.App.Engine.Locks(), done: make(chan struct{}),
	}
	s.ingest = s.ingestOptions()
	s.metrics = newMetrics(cfg.App.Store)

	mcpLog := cfg.Logger.With("component", "mcp")
	mcpSrv, err := newMCPServer(mcpDeps{app: cfg.App, locks: s.locks, log: mcpLog})
	if err != nil {
		return nil, err
	}
	// Clients that vanish without a DELETE leave per-session state behind;
	// the idle TTL sweeps it.
	s.mcp = server.NewStreamableHTTPServer(mcpSrv, server.WithEndpointPath("/mcp"),
		server.WithStreamableHTTPLogger(mcpLog),
		server.WithSessionIdleTTL(time.Hour))
	s.router = s.routes()
	return s, nil
}

func (c *Config) withDefaults() error {
	switch {
	case c.App == nil || c.App.Engine == nil || c.App.Store == nil:
		return errors.New("api config: App is required")
	case c.Keys == nil:
		return errors.New("api config: Keys is required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxIngestBytes <= 0 {
		c.MaxIngestBytes = c.App.Config.Ingest.MaxFileBytes
	}
	if c.MaxIngestBytes <= 0 {
		c.MaxIngestBytes = 16 << 20
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	return nil
}

func (s *Server) ingestOptions() ingest.Options {
	opts := s.app.IngestOptions()
	opts.MaxFileBytes = s.cfg.MaxIngestBytes
	return opts
}

// routes builds the router. The order of the global middleware matters:
// the access log sees the final status, errors are rendered before it, and
// panics are recovered inside the renderer.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// No proxy is trusted: nothing here reads the client address from headers.
	_ = r.SetTrustedProxies(nil)
	r.Use(requestIDs, s.accessLog, s.renderErrors, s.recoverPanics, securityHeaders)
	r.NoRoute(handle(func(*gin.Context) error {
		return apiErr(http.StatusNotFound, "not_found", "no such route", nil)
	}))
	r.NoMethod(handle(func(*gin.Context) error {
		return apiErr(http.StatusMethodNotAllowed, "method_not_allowed",
			"method not allowed on this route", nil)
	}))

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	s.consoleRoutes(r)
	r.GET("/metrics", s.authenticate(false), gin.WrapH(s.metrics.handler()))
	r.Any("/mcp", s.authenticate(true), s.limitBody, gin.WrapH(s.mcp))
	s.apiRoutes(r.Group("/api/v1", s.authenticate(false)))
	return r
}

func (s *Server) apiRoutes(v1 *gin.RouterGroup) {
	humans := allow(humanRoles...)
	v1.GET("/cases", handle(s.listCases))
	v1.GET("/cases/:id", handle(s.getCase))
	v1.GET("/cases/:id/events", handle(s.caseEvents))
	v1.POST("/cases/:id/investigate", handle(s.investigateCase))
	v1.POST("/cases/:id/close", humans, handle(s.closeCase))
	v1.POST("/cases/:id/actions", handle(s.proposeAction))
	v1.POST("/ingest", handle(s.ingestUpload))
	v1.GET("/approvals", handle(s.listApprovals))
	v1.POST("/approvals/:id/approve", handle(s.approve))
	v1.POST("/approvals/:id/reject", humans, handle(s.reject))
	v1.GET("/timers", handle(s.listTimers))
	v1.POST("/actions/:id/confirm", humans, handle(s.confirmAction))
	v1.GET("/audit/verify", handle(s.verifyAudit))
	v1.GET("/logs/search", handle(s.searchLogs))
	v1.GET("/policy/status", handle(s.policyStatus))
}

// limitBody caps bodies the MCP transport reads itself.
func (s *Server) limitBody(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	c.Next()
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.router }

// Close ends open event streams and MCP sessions. Requests in flight finish.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.mcp.Shutdown(ctx)
	})
	return err
}

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops
// accepting, ends event streams, and waits up to ShutdownTimeout for requests
// in flight (an investigation may take a while).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := s.httpServer()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serving http: %w", err)
	case <-ctx.Done():
	}

	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// httpServer is the real server: header and body reads are bounded, writes
// are not, because event streams and investigations run long.
func (s *Server) httpServer() *http.Server {
	hs := &http.Server{
		Handler:           s.router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(func() { _ = s.Close() })
	return hs
}

// Loopback reports whether addr ("host:port") names only the loopback
// interface: "localhost" or a loopback IP. An empty host listens everywhere.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
