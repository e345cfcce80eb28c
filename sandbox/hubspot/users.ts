// Portal users (HUBSPOT.md §7): who is a super admin, for the backend's server-side admin check.
//   GET /settings/v3/users/{userId} and GET /settings/users/2026-03/{userId} → {id, email, superAdmin, roleIds}
// Scope settings.users.read; a user of another portal (or none) → 404.
import express from 'express';
import { notFound } from './errors.ts';
import { authOf, needsScope } from './limits.ts';
import type { SandboxState } from './state.ts';

export function userRoutes(state: SandboxState): express.Router {
  const r = express.Router();
  for (const path of ['/settings/v3/users/:userId', '/settings/users/2026-03/:userId']) {
    r.get(path, needsScope(state, 'settings.users.read', 'settings.users.write'), (req, res) => {
      const u = authOf(res).portal.users.get(Number(req.params.userId));
      if (!u) return notFound(res, `User ${req.params.userId} was not found.`, { context: { id: [req.params.userId] } });
      res.json({ id: String(u.id), email: u.email, superAdmin: u.superAdmin, roleIds: u.roleIds });
    });
  }
  return r;
}
