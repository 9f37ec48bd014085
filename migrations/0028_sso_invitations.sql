-- An invited person may join by signing in at the organisation's provider:
-- the sign-in begun from the invitation's page carries it, and uses it once
-- it comes back with the invited address, vouched for.
ALTER TABLE sso_attempts ADD COLUMN invitation_id uuid REFERENCES invitations (id);
