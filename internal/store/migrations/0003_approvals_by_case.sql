-- 0003: approvals are read per case (case reports, closing a case), so index
-- them by case rather than scanning every approval ever held.
CREATE INDEX approvals_case ON approvals (case_id, created_at);
