package lab

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/conductor-sec/conductor/tools"
)

const ticketCreateSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["title", "severity"],
  "properties": {
    "title": {"type": "string", "minLength": 1, "maxLength": 200},
    "severity": {"enum": ["low", "medium", "high", "critical"]},
    "case_id": {"type": "string", "maxLength": 100,
      "description": "The case the ticket tracks; defaults to the calling case."},
    "body": {"type": "string", "maxLength": 20000}
  }
}`

const ticketUpdateSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["ticket_id"],
  "properties": {
    "ticket_id": {"type": "string", "pattern": "^TKT-[0-9]{1,9}$"},
    "status": {"enum": ["open", "in_progress", "resolved", "closed"]},
    "comment": {"type": "string", "minLength": 1, "maxLength": 20000}
  },
  "anyOf": [{"required": ["status"]}, {"required": ["comment"]}]
}`

const notifySchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["channel", "message"],
  "properties": {
    "channel": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$",
      "description": "email, chat, pager or a channel name such as soc; not an address"},
    "message": {"type": "string", "minLength": 1, "maxLength": 4000},
    "to": {"type": "string", "maxLength": 320,
      "description": "A person or group; omit for the channel's default audience."}
  }
}`

type ticketArgs struct {
	Title    string `json:"title"`
	Severity string `json:"severity"`
	CaseID   string `json:"case_id"`
	Body     string `json:"body"`
	TicketID string `json:"ticket_id"`
	Status   string `json:"status"`
	Comment  string `json:"comment"`
}

type ticketOutput struct {
	TicketID string `json:"ticket_id"`
	Status   string `json:"status"`
	Severity string `json:"severity,omitempty"`
}

type notifyArgs struct {
	Channel string `json:"channel"`
	Message string `json:"message"`
	To      string `json:"to"`
}

type notifyOutput struct {
	NotificationID int64  `json:"notification_id"`
	Channel        string `json:"channel"`
	To             string `json:"to,omitempty"`
}

func (l *Lab) ticketTools() []*labTool {
	spec := func(name, desc, schema string) tools.Spec {
		return tools.Spec{Name: name, Description: desc, Schema: json.RawMessage(schema),
			Risk: tools.RiskWrite}
	}
	return []*labTool{
		{spec: spec("ticket.create", "Open a ticket in the ticketing system.",
			ticketCreateSchema), write: l.createTicket},
		{spec: spec("ticket.update", "Change a ticket's status or add a comment.",
			ticketUpdateSchema), write: l.updateTicket},
		{spec: notifySpec(spec("notify", "Send a message to people through a channel.",
			notifySchema)), write: l.notify},
	}
}

// notifySpec names the recipient as a target, so the policy sees who would
// receive case data and where that name came from: a recipient the planner
// made up or read in an e-mail is how case data leaves the organisation.
func notifySpec(s tools.Spec) tools.Spec {
	s.Targets = map[string]string{"to": "recipient"}
	return s
}

func ticketID(n int64) string { return fmt.Sprintf("TKT-%04d", n) }

func (l *Lab) createTicket(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	var a ticketArgs
	if err := decodeArgs(call.Args, &a); err != nil {
		return tools.Result{}, err
	}
	if a.CaseID == "" {
		a.CaseID = call.CaseID
	}
	now := l.stamp()
	r, err := tx.ExecContext(ctx, `INSERT INTO lab_tickets
		(title, severity, case_id, body, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'open', ?, ?)`, a.Title, a.Severity, a.CaseID, a.Body, now, now)
	if err != nil {
		return tools.Result{}, err
	}
	n, err := r.LastInsertId()
	if err != nil {
		return tools.Result{}, err
	}

	out := ticketOutput{TicketID: ticketID(n), Status: "open", Severity: a.Severity}
	return result(out, "opened %s (%s): %s", out.TicketID, a.Severity, a.Title)
}

func (l *Lab) updateTicket(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	var a ticketArgs
	if err := decodeArgs(call.Args, &a); err != nil {
		return tools.Result{}, err
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(a.TicketID, "TKT-"), 10, 64)
	if err != nil || !strings.HasPrefix(a.TicketID, "TKT-") {
		return tools.Result{}, invalid("ticket_id %q is not like TKT-0001", a.TicketID)
	}

	var status string
	err = tx.QueryRowContext(ctx, `SELECT status FROM lab_tickets WHERE id = ?`, n).Scan(&status)
	if errNoRows(err) {
		return tools.Result{}, notFound("no ticket %s", a.TicketID)
	}
	if err != nil {
		return tools.Result{}, err
	}
	if a.Status != "" {
		status = a.Status
	}
	if err := l.applyTicketUpdate(ctx, tx, n, status, a.Comment); err != nil {
		return tools.Result{}, err
	}

	out := ticketOutput{TicketID: ticketID(n), Status: status}
	return result(out, "updated %s (status %s)", out.TicketID, status)
}

func (l *Lab) applyTicketUpdate(ctx context.Context, tx *sql.Tx, id int64, status,
	comment string) error {
	now := l.stamp()
	_, err := tx.ExecContext(ctx, `UPDATE lab_tickets SET status = ?, updated_at = ?
		WHERE id = ?`, status, now, id)
	if err != nil || comment == "" {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO lab_ticket_comments (ticket_id, comment, at)
		VALUES (?, ?, ?)`, id, comment, now)
	return err
}

func (l *Lab) notify(ctx context.Context, tx *sql.Tx, call tools.Call) (tools.Result, error) {
	var a notifyArgs
	if err := decodeArgs(call.Args, &a); err != nil {
		return tools.Result{}, err
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO lab_notifications
		(channel, recipient, message, case_id, at) VALUES (?, ?, ?, ?, ?)`,
		a.Channel, a.To, a.Message, call.CaseID, l.stamp())
	if err != nil {
		return tools.Result{}, err
	}
	n, err := r.LastInsertId()
	if err != nil {
		return tools.Result{}, err
	}

	out := notifyOutput{NotificationID: n, Channel: a.Channel, To: a.To}
	if a.To == "" {
		return result(out, "sent a notification on %s", a.Channel)
	}
	return result(out, "sent a notification on %s to %s", a.Channel, a.To)
}

// tickets reads every ticket with its comments.
func (l *Lab) tickets(ctx context.Context) ([]Ticket, error) {
	ts, err := collect(ctx, l.db, `SELECT id, title, severity, status, case_id, body,
		created_at, updated_at FROM lab_tickets ORDER BY id`, nil,
		func(r *sql.Rows) (Ticket, error) {
			var t Ticket
			var id int64
			var created, updated string
			err := r.Scan(&id, &t.Title, &t.Severity, &t.Status, &t.CaseID, &t.Body,
				&created, &updated)
			t.ID, t.CreatedAt, t.UpdatedAt = ticketID(id), parseStamp(created), parseStamp(updated)
			return t, err
		})
	if err != nil {
		return nil, err
	}
	for i := range ts {
		if ts[i].Comments, err = l.comments(ctx, ts[i].ID); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

func (l *Lab) comments(ctx context.Context, ticket string) ([]Comment, error) {
	id, _ := strconv.ParseInt(strings.TrimPrefix(ticket, "TKT-"), 10, 64)
	return collect(ctx, l.db, `SELECT comment, at FROM lab_ticket_comments
		WHERE ticket_id = ? ORDER BY id`, []any{id}, func(r *sql.Rows) (Comment, error) {
		var c Comment
		var at string
		err := r.Scan(&c.Text, &at)
		c.At = parseStamp(at)
		return c, err
	})
}
