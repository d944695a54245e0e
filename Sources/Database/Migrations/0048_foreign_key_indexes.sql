-- Indexes for the foreign keys whose cascades scanned whole tables (found by visionary doctor):
-- deleting a user cascades into vision_boards, reference_images and documents, whose user_id
-- indexes were partial (live rows only), which the cascade's DELETE cannot use; and into
-- auth.refresh_tokens, where every deleted token also looks for its children (parent_id). A full
-- index serves the live-rows reads as well, so it replaces the partial one instead of doubling
-- the cost of every write.

DROP INDEX public.vision_boards_user_id_live_idx;
CREATE INDEX vision_boards_user_id_idx ON public.vision_boards (user_id);
DROP INDEX public.reference_images_user_id_live_idx;
CREATE INDEX reference_images_user_id_idx ON public.reference_images (user_id);
DROP INDEX public.documents_user_id_live_idx;
CREATE INDEX documents_user_id_idx ON public.documents (user_id);
CREATE INDEX refresh_tokens_user_id_idx ON auth.refresh_tokens (user_id);
CREATE INDEX refresh_tokens_parent_id_idx ON auth.refresh_tokens (parent_id);
CREATE INDEX buckets_owner_idx ON storage.buckets (owner);
