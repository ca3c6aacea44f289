-- Every state change of a request leaves an audit row, written by the database in the same
-- statement: who (last_actor), from what, to what, why (last_detail), when (updated_at).
CREATE TRIGGER `requests_audit_insert` AFTER INSERT ON `requests`
BEGIN
  INSERT INTO `audit_events` (`request_id`, `actor`, `from_status`, `to_status`, `detail`, `at`)
  VALUES (NEW.`id`, coalesce(NEW.`last_actor`, 'system'), NULL, NEW.`status`, NEW.`last_detail`, NEW.`updated_at`);
END;
--> statement-breakpoint
CREATE TRIGGER `requests_audit_update` AFTER UPDATE OF `status` ON `requests`
BEGIN
  INSERT INTO `audit_events` (`request_id`, `actor`, `from_status`, `to_status`, `detail`, `at`)
  VALUES (NEW.`id`, coalesce(NEW.`last_actor`, 'system'), OLD.`status`, NEW.`status`, NEW.`last_detail`, NEW.`updated_at`);
END;
