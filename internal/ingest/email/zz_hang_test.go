package email

import (
	"os"
	"testing"
	"time"
)

func TestZZHang(t *testing.T) {
	raw, _ := os.ReadFile("/tmp/hang.eml")
	done := make(chan bool)
	go func() { Parse(raw, Options{}); done <- true }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		panic("hang")
	}
}
