package api

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// consoleFiles is the analyst console: static HTML, CSS and JavaScript with
// no build step. The files carry no data, so they are served without a key;
// every request the console makes to the API carries one.
//
//go:embed console
var consoleFiles embed.FS

func (s *Server) consoleRoutes(r *gin.Engine) {
	sub, err := fs.Sub(consoleFiles, "console")
	if err != nil {
		panic(err) // the embedded folder is part of the binary
	}
	files := http.FileServerFS(sub)
	serve := func(name string) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.Header("Cache-Control", "no-cache")
			c.Request.URL.Path = "/" + name
			files.ServeHTTP(c.Writer, c.Request)
		}
	}
	r.GET("/", serve(""))
	for _, name := range []string{"app.js", "style.css"} {
		r.GET("/console/"+name, serve(name))
	}
}
