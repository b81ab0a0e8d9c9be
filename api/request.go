package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// decodeBody decodes a JSON request body into v, refusing unknown fields,
// trailing data and bodies over MaxBodyBytes. An empty body leaves v as is
// when optional is set.
func (s *Server) decodeBody(c *gin.Context, v any, optional bool) error {
	data, err := readCapped(c, s.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if optional {
			return nil
		}
		return badRequest("bad_body", "the request needs a JSON body")
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiErr(http.StatusBadRequest, "bad_body", "the body is not the JSON this "+
			"route takes: "+err.Error(), err)
	}
	if dec.More() {
		return badRequest("bad_body", "the body holds more than one JSON value")
	}
	return nil
}

// readCapped reads the request body, up to limit bytes.
func readCapped(c *gin.Context, limit int64) ([]byte, error) {
	body := http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	data, err := io.ReadAll(body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, apiErr(http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("the body is over the limit of %d bytes", limit), err)
	}
	if err != nil {
		return nil, apiErr(http.StatusBadRequest, "bad_body", "the body could not be read",
			err)
	}
	return data, nil
}

// intQuery reads an integer query parameter within [lo, hi], or def when
// absent.
func intQuery(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("bad_"+name, "%s must be a whole number from %d to %d", name, lo,
			hi)
	}
	return n, nil
}

// timeQuery reads an RFC 3339 query parameter; absent means the zero time.
func timeQuery(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, badRequest("bad_"+name, "%s must be an RFC 3339 time such as "+
			"2020-10-20T05:00:00Z", name)
	}
	return t, nil
}
