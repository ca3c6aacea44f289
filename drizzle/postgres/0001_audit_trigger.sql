-- Every state change of a request leaves an audit row, written by the database in the same
-- statement: who (last_actor), from what, to what, why (last_detail), when (updated_at).
CREATE FUNCTION requests_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_events (request_id, actor, from_status, to_status, detail, at)
  VALUES (
    NEW.id,
    coalesce(NEW.last_actor, 'system'),
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.status END,
    NEW.status,
    NEW.last_detail,
    NEW.updated_at
  );
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER requests_audit AFTER INSERT OR UPDATE OF status ON requests
  FOR EACH ROW EXECUTE FUNCTION requests_audit();
