package lab

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/conductor-sec/conductor/tools"
)

const mailSearchSchema = `{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "sender": {"type": "string", "maxLength": 320,
      "description": "Sender address (exact) or domain (matches subdomains)."},
    "subject": {"type": "string", "maxLength": 998,
      "description": "Text the subject contains, ignoring case."},
    "url": {"type": "string", "maxLength": 2048,
      "description": "Text a link in the message contains, ignoring case."},
    "recipient": {"type": "string", "maxLength": 320,
      "description": "Account name or e-mail address of the mailbox owner."}
  }
}`

const mailActionSchema = `{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "message_id": {"type": "string", "minLength": 1, "maxLength": 200,
      "description": "A delivered copy (m-1001:maria.lopez) or a message (m-1001, all copies)."},
    "sender": {"type": "string", "minLength": 1, "maxLength": 320,
      "description": "Exact sender address; needs subject."},
    "subject": {"type": "string", "minLength": 1, "maxLength": 998,
      "description": "Exact subject, ignoring case; needs sender."},
    ` + reasonProp + `
  },
  "anyOf": [{"required": ["message_id"]}, {"required": ["sender", "subject"]}]
}`

type mailSearchArgs struct {
	Sender    string `json:"sender"`
	Subject   string `json:"subject"`
	URL       string `json:"url"`
	Recipient string `json:"recipient"`
}

type mailActionArgs struct {
	MessageID string `json:"message_id"`
	Sender    string `json:"sender"`
	Subject   string `json:"subject"`
	Reason    string `json:"reason"`
}

// mailView is one delivered copy as tools report it.
type mailView struct {
	MessageID   string   `json:"message_id"`
	Message     string   `json:"message"`
	Mailbox     string   `json:"mailbox"`
	From        string   `json:"from"`
	Subject     string   `json:"subject"`
	Received    string   `json:"received,omitempty"`
	URLs        []string `json:"urls,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	Quarantined bool     `json:"quarantined"`
}

type mailSearchOutput struct {
	Count    int        `json:"count"`
	Messages []mailView `json:"messages"`
}

type mailActionOutput struct {
	MessageIDs []string `json:"message_ids"`
	// Changed counts the copies whose state this call changed.
	Changed int `json:"changed"`
}

func (l *Lab) mailTools() []*labTool {
	action := func(name, desc, undo string) tools.Spec {
		return tools.Spec{Name: name, Description: desc,
			Schema: json.RawMessage(mailActionSchema), Risk: tools.RiskContain,
			Reversible: true, Undo: undo,
			Targets:  map[string]string{"message_id": "message", "sender": "email"},
			UndoArgs: []string{"message_id", "sender", "subject"}}
	}
	return []*labTool{
		{spec: tools.Spec{
			Name:        "mail.search",
			Description: "Find delivered messages across all mailboxes.",
			Schema:      json.RawMessage(mailSearchSchema), Risk: tools.RiskRead,
		}, read: l.mailSearch},
		{spec: action("mail.quarantine", "Move messages out of users' mailboxes into "+
			"quarantine, by message id or by sender and subject.", "mail.release"),
			write: l.quarantine},
		{spec: lifts(action("mail.release", "Return quarantined messages to their mailboxes.",
			"mail.quarantine")), write: l.release},
	}
}

func (l *Lab) mailSearch(ctx context.Context, call tools.Call) (tools.Result, error) {
	var a mailSearchArgs
	if err := decodeArgs(call.Args, &a); err != nil {
		return tools.Result{}, fmt.Errorf("mail.search: %w", err)
	}
	held, err := l.quarantinedIDs(ctx)
	if err != nil {
		return tools.Result{}, fmt.Errorf("mail.search: %w", err)
	}

	out := mailSearchOutput{Messages: []mailView{}}
	for _, c := range l.dir.copies {
		if l.mailMatches(c, a) {
			out.Messages = append(out.Messages, viewOf(c, held[c.ID]))
		}
	}
	out.Count = len(out.Messages)
	return result(out, "%d messages match", out.Count)
}

func (l *Lab) mailMatches(c mailCopy, a mailSearchArgs) bool {
	m := c.Message
	if a.Sender != "" && !senderMatches(m.From, a.Sender) {
		return false
	}
	if a.Subject != "" && !containsFold(m.Subject, a.Subject) {
		return false
	}
	if a.URL != "" && !anyContainsFold(m.URLs, a.URL) {
		return false
	}
	if a.Recipient != "" {
		u, ok := l.dir.user(a.Recipient)
		return ok && u.Name == c.Mailbox
	}
	return true
}

// senderMatches compares an address exactly, or a domain with its subdomains.
func senderMatches(from, want string) bool {
	want = strings.ToLower(strings.TrimSpace(want))
	from = strings.ToLower(from)
	if strings.Contains(want, "@") {
		return from == want
	}
	_, domain, _ := cutLast(from, "@")
	return domain == want || strings.HasSuffix(domain, "."+want)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(strings.TrimSpace(sub)))
}

func anyContainsFold(list []string, sub string) bool {
	for _, s := range list {
		if containsFold(s, sub) {
			return true
		}
	}
	return false
}

func viewOf(c mailCopy, quarantined bool) mailView {
	m := c.Message
	return mailView{MessageID: c.ID, Message: m.ID, Mailbox: c.Mailbox, From: m.From,
		Subject: m.Subject, Received: m.Received, URLs: m.URLs, Attachments: m.Attachments,
		Quarantined: quarantined}
}

func (l *Lab) quarantinedIDs(ctx context.Context) (map[string]bool, error) {
	ids, err := collect(ctx, l.db, `SELECT message_id FROM lab_quarantine`, nil,
		func(r *sql.Rows) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
	held := make(map[string]bool, len(ids))
	for _, id := range ids {
		held[id] = true
	}
	return held, err
}

// selectCopies resolves quarantine or release arguments to delivered copies.
func (l *Lab) selectCopies(raw json.RawMessage) (mailActionArgs, []mailCopy, error) {
	var a mailActionArgs
	if err := decodeArgs(raw, &a); err != nil {
		return a, nil, err
	}
	byID := a.MessageID != ""
	switch {
	case byID && (a.Sender != "" || a.Subject != ""):
		return a, nil, invalid("give message_id, or sender and subject, not both")
	case !byID && (a.Sender == "" || a.Subject == ""):
		return a, nil, invalid("give message_id, or both sender and subject")
	}

	var picked []mailCopy
	for _, c := range l.dir.copies {
		if byID && (c.ID == a.MessageID || c.Message.ID == a.MessageID) ||
			!byID && strings.EqualFold(c.Message.From, strings.TrimSpace(a.Sender)) &&
				strings.EqualFold(c.Message.Subject, strings.TrimSpace(a.Subject)) {
			picked = append(picked, c)
		}
	}
	if len(picked) == 0 {
		return a, nil, notFound("no delivered message matches; use mail.search to find " +
			"message ids")
	}
	return a, picked, nil
}

func (l *Lab) quarantine(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	a, copies, err := l.selectCopies(call.Args)
	if err != nil {
		return tools.Result{}, err
	}
	out := mailActionOutput{}
	for _, c := range copies {
		ch, err := changed(tx.ExecContext(ctx, `INSERT INTO lab_quarantine
			(message_id, reason, case_id, at) VALUES (?, ?, ?, ?)
			ON CONFLICT (message_id) DO NOTHING`, c.ID, a.Reason, call.CaseID, l.stamp()))
		if err != nil {
			return tools.Result{}, err
		}
		out.MessageIDs = append(out.MessageIDs, c.ID)
		if ch {
			out.Changed++
		}
	}
	return result(out, "quarantined %d of %d matching messages (%d already held)",
		out.Changed, len(copies), len(copies)-out.Changed)
}

func (l *Lab) release(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	_, copies, err := l.selectCopies(call.Args)
	if err != nil {
		return tools.Result{}, err
	}
	out := mailActionOutput{}
	for _, c := range copies {
		ch, err := changed(tx.ExecContext(ctx,
			`DELETE FROM lab_quarantine WHERE message_id = ?`, c.ID))
		if err != nil {
			return tools.Result{}, err
		}
		out.MessageIDs = append(out.MessageIDs, c.ID)
		if ch {
			out.Changed++
		}
	}
	return result(out, "released %d of %d matching messages", out.Changed, len(copies))
}
