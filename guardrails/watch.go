package guardrails

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce lets an editor or a checkout finish writing before a reload: one
// save can be several events.
const debounce = 150 * time.Millisecond

// reloadTimeout bounds one reload, Rego tests included.
const reloadTimeout = 2 * time.Minute

// watcher reloads the policy when files in its folder change.
type watcher struct {
	fsw    *fsnotify.Watcher
	dir    string // the policy folder, cleaned and absolute
	cancel context.CancelFunc
	done   chan struct{}
}

// startWatch watches cfg.Dir and its folders when cfg.Watch is set. The watch
// lives until [Guard.Close].
func (g *Guard) startWatch() error {
	if !g.cfg.Watch || g.cfg.Dir == "" {
		return nil
	}

	dir, err := filepath.Abs(g.cfg.Dir)
	if err != nil {
		return fmt.Errorf("watching policy folder: %w", err)
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching policy folder: %w", err)
	}
	// The parent too: a deploy that swaps the folder (mv new policies, or rm
	// and copy) replaces what the folder's own watch follows.
	if err := errors.Join(addTree(fsw, dir), fsw.Add(filepath.Dir(dir))); err != nil {
		fsw.Close()
		return fmt.Errorf("watching policy folder: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	g.watch = &watcher{fsw: fsw, dir: dir, cancel: cancel, done: make(chan struct{})}
	go g.watchLoop(ctx, g.watch)
	return nil
}

// addTree watches dir and every folder under it that is not hidden.
func addTree(fsw *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		return fsw.Add(path)
	})
}

func (g *Guard) watchLoop(ctx context.Context, w *watcher) {
	defer close(w.done)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			g.noteEvent(w, ev, timer)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			g.log.Warn("watching policy folder", "dir", g.cfg.Dir, "error", err)
		case <-timer.C:
			rctx, cancel := context.WithTimeout(ctx, reloadTimeout)
			_ = g.Reload(rctx) // Reload logs and records its own error.
			cancel()
		}
	}
}

// noteEvent schedules a reload, and watches a folder created under Dir or a
// new folder put in Dir's place.
func (g *Guard) noteEvent(w *watcher, ev fsnotify.Event, timer *time.Timer) {
	if ev.Op == fsnotify.Chmod {
		return
	}
	name := filepath.Clean(ev.Name)
	if filepath.Dir(name) == filepath.Dir(w.dir) && name != w.dir {
		return // a neighbour of the policy folder
	}
	if name == w.dir && ev.Has(fsnotify.Rename) {
		// The watch would follow the folder to its new name; drop it.
		_ = w.fsw.Remove(w.dir)
	}
	if ev.Has(fsnotify.Create) {
		if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
			if err := addTree(w.fsw, ev.Name); err != nil {
				g.log.Warn("watching policy folder", "dir", ev.Name, "error", err)
			}
		}
	}
	timer.Reset(debounce)
}

func (w *watcher) close() error {
	w.cancel()
	err := w.fsw.Close()
	<-w.done
	if err != nil {
		return fmt.Errorf("closing policy watcher: %w", err)
	}
	return nil
}
