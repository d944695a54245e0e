-- Indexes the spec leaves out but the server's own work needs: deleting an account or a vision
-- board checks every foreign key that points at it, and without an index on the referencing
-- column each check scans its whole table; the purge job looks for long soft-deleted rows.
CREATE INDEX profiles_primary_vision_id_idx ON public.profiles (primary_vision_id) WHERE primary_vision_id IS NOT NULL;
CREATE INDEX shared_goals_created_by_idx ON public.shared_goals (created_by);
CREATE INDEX partner_invitations_accepted_by_idx ON public.partner_invitations (accepted_by) WHERE accepted_by IS NOT NULL;
CREATE INDEX partner_connections_ended_by_idx ON public.partner_connections (ended_by) WHERE ended_by IS NOT NULL;
CREATE INDEX team_members_invited_by_idx ON public.team_members (invited_by) WHERE invited_by IS NOT NULL;
CREATE INDEX vision_boards_deleted_at_idx ON public.vision_boards (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX reference_images_deleted_at_idx ON public.reference_images (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX documents_deleted_at_idx ON public.documents (deleted_at) WHERE deleted_at IS NOT NULL;
