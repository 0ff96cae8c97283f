/**
 * 021: retention finds finished webhook deliveries by age through an index (it filtered on `created_at`,
 * which no index had: each tick's last call, the one that finds nothing left to delete, read every kept
 * delivery). Partial, as the prune's filter is: pending deliveries are never pruned and never in it. Built
 * concurrently: deliveries go on meanwhile. Forward-only.
 */
export const steps = [
  `create index concurrently if not exists webhook_delivery_finished_by_created
     on webhook_delivery (created_at) where state <> 'pending'`,
];
