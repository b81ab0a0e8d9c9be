package lab

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Snapshot is the lab's current state: what actions have changed.
type Snapshot struct {
	Isolated         []Isolation       `json:"isolated"`
	BlockedIPs       []Block           `json:"blocked_ips"`
	BlockedDomains   []Block           `json:"blocked_domains"`
	Disabled         []Disablement     `json:"disabled_accounts"`
	CredentialResets []CredentialReset `json:"credential_resets"`
	Quarantined      []Quarantine      `json:"quarantined"`
	Tickets          []Ticket          `json:"tickets"`
	Notifications    []Notification    `json:"notifications"`
}

// Isolation is an isolated host.
type Isolation struct {
	Host   string    `json:"host"`
	Reason string    `json:"reason,omitempty"`
	CaseID string    `json:"case_id,omitempty"`
	At     time.Time `json:"at"`
}

// Block is a blocked IP address, network or domain.
type Block struct {
	Value  string    `json:"value"`
	Reason string    `json:"reason,omitempty"`
	CaseID string    `json:"case_id,omitempty"`
	At     time.Time `json:"at"`
	// ExpiresAt is zero for a block without end.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Disablement is a disabled account.
type Disablement struct {
	User   string    `json:"user"`
	Reason string    `json:"reason,omitempty"`
	CaseID string    `json:"case_id,omitempty"`
	At     time.Time `json:"at"`
}

// CredentialReset is one credential reset, with sessions revoked.
type CredentialReset struct {
	User   string    `json:"user"`
	CaseID string    `json:"case_id,omitempty"`
	At     time.Time `json:"at"`
}

// Quarantine is a quarantined copy of a message.
type Quarantine struct {
	MessageID string    `json:"message_id"`
	Reason    string    `json:"reason,omitempty"`
	CaseID    string    `json:"case_id,omitempty"`
	At        time.Time `json:"at"`
}

// Ticket is a ticket in the lab's ticketing system.
type Ticket struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Severity  string    `json:"severity"`
	Status    string    `json:"status"`
	CaseID    string    `json:"case_id,omitempty"`
	Body      string    `json:"body,omitempty"`
	Comments  []Comment `json:"comments,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Comment is a comment on a [Ticket].
type Comment struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Notification is a message sent through notify.
type Notification struct {
	ID      int64     `json:"id"`
	Channel string    `json:"channel"`
	To      string    `json:"to,omitempty"`
	Message string    `json:"message"`
	CaseID  string    `json:"case_id,omitempty"`
	At      time.Time `json:"at"`
}

// State reads the current lab state. Expired blocks are left out.
func (l *Lab) State(ctx context.Context) (Snapshot, error) {
	var s Snapshot
	now := l.stamp()
	steps := []func() error{
		func() (err error) { s.Isolated, err = l.isolations(ctx); return },
		func() (err error) { s.BlockedIPs, err = l.blocks(ctx, "ip", now); return },
		func() (err error) { s.BlockedDomains, err = l.blocks(ctx, "domain", now); return },
		func() (err error) { s.Disabled, err = l.disablements(ctx); return },
		func() (err error) { s.CredentialResets, err = l.resets(ctx); return },
		func() (err error) { s.Quarantined, err = l.quarantines(ctx); return },
		func() (err error) { s.Tickets, err = l.tickets(ctx); return },
		func() (err error) { s.Notifications, err = l.notifications(ctx); return },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Snapshot{}, fmt.Errorf("reading lab state: %w", err)
		}
	}
	return s, nil
}

// collect runs query and scans each row with scan.
func collect[T any](ctx context.Context, db *sql.DB, query string, args []any,
	scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (l *Lab) isolations(ctx context.Context) ([]Isolation, error) {
	return collect(ctx, l.db, `SELECT host, reason, case_id, at FROM lab_isolations
		ORDER BY at, host`, nil, func(r *sql.Rows) (Isolation, error) {
		var v Isolation
		var at string
		err := r.Scan(&v.Host, &v.Reason, &v.CaseID, &at)
		v.At = parseStamp(at)
		return v, err
	})
}

func (l *Lab) blocks(ctx context.Context, kind, now string) ([]Block, error) {
	return collect(ctx, l.db, `SELECT value, reason, case_id, at, expires_at FROM lab_blocks
		WHERE kind = ? AND (expires_at = '' OR expires_at > ?) ORDER BY at, value`,
		[]any{kind, now}, func(r *sql.Rows) (Block, error) {
			var v Block
			var at, exp string
			err := r.Scan(&v.Value, &v.Reason, &v.CaseID, &at, &exp)
			v.At, v.ExpiresAt = parseStamp(at), parseStamp(exp)
			return v, err
		})
}

func (l *Lab) disablements(ctx context.Context) ([]Disablement, error) {
	return collect(ctx, l.db, `SELECT account, reason, case_id, at FROM lab_disabled
		ORDER BY at, account`, nil, func(r *sql.Rows) (Disablement, error) {
		var v Disablement
		var at string
		err := r.Scan(&v.User, &v.Reason, &v.CaseID, &at)
		v.At = parseStamp(at)
		return v, err
	})
}

func (l *Lab) resets(ctx context.Context) ([]CredentialReset, error) {
	return collect(ctx, l.db, `SELECT account, case_id, at FROM lab_credential_resets
		ORDER BY id`, nil, func(r *sql.Rows) (CredentialReset, error) {
		var v CredentialReset
		var at string
		err := r.Scan(&v.User, &v.CaseID, &at)
		v.At = parseStamp(at)
		return v, err
	})
}

func (l *Lab) quarantines(ctx context.Context) ([]Quarantine, error) {
	return collect(ctx, l.db, `SELECT message_id, reason, case_id, at FROM lab_quarantine
		ORDER BY at, message_id`, nil, func(r *sql.Rows) (Quarantine, error) {
		var v Quarantine
		var at string
		err := r.Scan(&v.MessageID, &v.Reason, &v.CaseID, &at)
		v.At = parseStamp(at)
		return v, err
	})
}

func (l *Lab) notifications(ctx context.Context) ([]Notification, error) {
	return collect(ctx, l.db, `SELECT id, channel, recipient, message, case_id, at
		FROM lab_notifications ORDER BY id`, nil, func(r *sql.Rows) (Notification, error) {
		var v Notification
		var at string
		err := r.Scan(&v.ID, &v.Channel, &v.To, &v.Message, &v.CaseID, &at)
		v.At = parseStamp(at)
		return v, err
	})
}
