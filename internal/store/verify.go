package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// VerifyReport is the outcome of [Store.VerifyChain].
type VerifyReport struct {
	// Checked counts the steps that verified before the first broken link.
	Checked int  `json:"checked"`
	OK      bool `json:"ok"`
	// BrokenSeq is the seq of the first step whose link does not hold: the
	// edited row, the row after a deleted one, the first of a reordered pair.
	// For a truncated tail it is the first missing seq. 0 when OK.
	BrokenSeq int64 `json:"broken_seq,omitempty"`
	// Reason says what is wrong, in words for the analyst.
	Reason string `json:"reason,omitempty"`
}

// chainWalk is the state of one verification pass.
type chainWalk struct {
	want int64
	prev string
	rep  VerifyReport
}

// VerifyChain walks every step in seq order and reports the first broken
// link: a step whose content no longer matches its hash (edited), a gap in seq
// (deleted), a step that does not link to the one before it (reordered or
// replaced), or a chain shorter than its recorded head (tail deleted).
//
// TODO: an attacker who can write the file can still rewrite every hash from
// the edit onward, head included; anchoring the head outside the database
// (signed checkpoints, an append-only log) is what would make that detectable.
func (s *Store) VerifyChain(ctx context.Context) (VerifyReport, error) {
	w := &chainWalk{want: 1, prev: GenesisHash}
	errBroken := errors.New("broken")
	err := s.eachStep(ctx, "", nil, func(st Step) error {
		if !w.check(&st) {
			return errBroken
		}
		return nil
	})
	if errors.Is(err, errBroken) {
		return w.rep, nil
	}
	if de := (*decodeError)(nil); errors.As(err, &de) {
		w.broken(de.seq, fmt.Sprintf("step %d cannot be decoded (%v): it was edited",
			de.seq, de.err))
		return w.rep, nil
	}
	if err != nil {
		return VerifyReport{}, fmt.Errorf("verifying chain: %w", err)
	}
	return s.checkHead(ctx, w)
}

// check verifies one step against the walk so far.
func (w *chainWalk) check(st *Step) bool {
	switch {
	case st.Seq != w.want && w.want == 1:
		w.broken(st.Seq, fmt.Sprintf("the chain starts at step %d: %s",
			st.Seq, deleted(1, st.Seq-1)))
	case st.Seq != w.want:
		w.broken(st.Seq, fmt.Sprintf("step %d does not follow step %d: %s",
			st.Seq, w.want-1, deleted(w.want, st.Seq-1)))
	case st.PrevHash != w.prev:
		w.broken(st.Seq, fmt.Sprintf("step %d does not link to step %d: "+
			"steps were reordered, replaced or deleted and renumbered", st.Seq, st.Seq-1))
	case StepHash(st) != st.Hash:
		w.broken(st.Seq, fmt.Sprintf("step %d does not match its hash: it was edited",
			st.Seq))
	default:
		w.rep.Checked++
		w.want, w.prev = st.Seq+1, st.Hash
		return true
	}
	return false
}

// deleted describes the missing steps from to to.
func deleted(from, to int64) string {
	if from == to {
		return fmt.Sprintf("step %d was deleted", from)
	}
	return fmt.Sprintf("steps %d to %d were deleted", from, to)
}

func (w *chainWalk) broken(seq int64, reason string) {
	w.rep.OK, w.rep.BrokenSeq, w.rep.Reason = false, seq, reason
}

// checkHead compares the end of a walk with the recorded head of the chain.
func (s *Store) checkHead(ctx context.Context, w *chainWalk) (VerifyReport, error) {
	var (
		seq  int64
		hash string
	)
	err := s.db.QueryRowContext(ctx, `SELECT seq, hash FROM chain_head WHERE id = 1`).
		Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		seq, hash = 0, GenesisHash
	} else if err != nil {
		return VerifyReport{}, fmt.Errorf("verifying chain: reading head: %w", err)
	}

	last := w.want - 1
	switch {
	case seq > last:
		w.broken(last+1, fmt.Sprintf("the chain ends at step %d but its head records "+
			"step %d: %s", last, seq, deleted(last+1, seq)))
	case seq < last || hash != w.prev:
		w.broken(seq, fmt.Sprintf("the chain head (step %d) does not match the last "+
			"step %d", seq, last))
	default:
		w.rep.OK = true
	}
	return w.rep, nil
}
