package lab

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/conductor-sec/conductor/tools"
)

const userSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["user"],
  "properties": {
    "user": {"type": "string", "minLength": 1, "maxLength": 320,
      "description": "Account name, e-mail/UPN, or DOMAIN\\name."},
    ` + reasonProp + `
  }
}`

const resetSchema = `{
  "type": "object",
  "additionalProperties": false,
  "required": ["user"],
  "properties": {
    "user": {"type": "string", "minLength": 1, "maxLength": 320,
      "description": "Account name, e-mail/UPN, or DOMAIN\\name."}
  }
}`

type userArgs struct {
	User   string `json:"user"`
	Reason string `json:"reason"`
}

type accountOutput struct {
	User     string `json:"user"`
	Disabled bool   `json:"disabled"`
	Changed  bool   `json:"changed"`
}

type resetOutput struct {
	User             string `json:"user"`
	CredentialsReset bool   `json:"credentials_reset"`
	SessionsRevoked  bool   `json:"sessions_revoked"`
	// Resets counts every reset of this account so far, this one included.
	Resets int `json:"resets"`
}

func (l *Lab) iamTools() []*labTool {
	return []*labTool{
		{spec: tools.Spec{
			Name:        "iam.disable_account",
			Description: "Disable a directory account so it cannot sign in.",
			Schema:      json.RawMessage(userSchema), Risk: tools.RiskContain,
			Reversible: true, Undo: "iam.enable_account",
			Targets: map[string]string{"user": "user"},
		}, write: l.disableAccount},
		{spec: tools.Spec{
			Name:        "iam.enable_account",
			Description: "Re-enable an account that iam.disable_account disabled.",
			Schema:      json.RawMessage(userSchema), Risk: tools.RiskContain,
			Reversible: true, Undo: "iam.disable_account", Lifts: true,
			Targets: map[string]string{"user": "user"},
		}, write: l.enableAccount},
		{spec: tools.Spec{
			Name: "iam.reset_credentials",
			Description: "Reset an account's password and revoke all its sessions and " +
				"tokens. Cannot be undone: the old credentials are gone.",
			Schema: json.RawMessage(resetSchema), Risk: tools.RiskDestructive,
			Targets: map[string]string{"user": "user"},
		}, write: l.resetCredentials},
	}
}

// knownUser decodes user arguments and resolves the account.
func (l *Lab) knownUser(raw json.RawMessage) (userArgs, User, error) {
	var a userArgs
	if err := decodeArgs(raw, &a); err != nil {
		return a, User{}, err
	}
	u, ok := l.dir.user(a.User)
	if !ok {
		return a, User{}, notFound("unknown user %q: not in the lab directory; "+
			"use an account name or e-mail address that user.get knows", a.User)
	}
	return a, u, nil
}

func (l *Lab) disableAccount(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	a, u, err := l.knownUser(call.Args)
	if err != nil {
		return tools.Result{}, err
	}
	ch, err := changed(tx.ExecContext(ctx, `INSERT INTO lab_disabled
		(account, reason, case_id, at) VALUES (?, ?, ?, ?) ON CONFLICT (account) DO NOTHING`,
		u.Name, a.Reason, call.CaseID, l.stamp()))
	if err != nil {
		return tools.Result{}, err
	}

	out := accountOutput{User: u.Name, Disabled: true, Changed: ch}
	if !ch {
		return result(out, "account %s was already disabled", u.Name)
	}
	return result(out, "disabled account %s", u.Name)
}

func (l *Lab) enableAccount(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	_, u, err := l.knownUser(call.Args)
	if err != nil {
		return tools.Result{}, err
	}
	ch, err := changed(tx.ExecContext(ctx, `DELETE FROM lab_disabled WHERE account = ?`, u.Name))
	if err != nil {
		return tools.Result{}, err
	}

	out := accountOutput{User: u.Name, Disabled: false, Changed: ch}
	if !ch {
		return result(out, "account %s was not disabled", u.Name)
	}
	return result(out, "enabled account %s", u.Name)
}

func (l *Lab) resetCredentials(ctx context.Context, tx *sql.Tx, call tools.Call) (
	tools.Result, error) {
	_, u, err := l.knownUser(call.Args)
	if err != nil {
		return tools.Result{}, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO lab_credential_resets (account, case_id, at)
		VALUES (?, ?, ?)`, u.Name, call.CaseID, l.stamp())
	if err != nil {
		return tools.Result{}, err
	}
	var n int
	err = tx.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM lab_credential_resets WHERE account = ?`, u.Name).Scan(&n)
	if err != nil {
		return tools.Result{}, err
	}

	out := resetOutput{User: u.Name, CredentialsReset: true, SessionsRevoked: true, Resets: n}
	return result(out, "reset credentials of %s and revoked its sessions", u.Name)
}
