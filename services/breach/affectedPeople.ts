import type { Db } from 'mongodb';
import { DEVICES_COLLECTION } from '../devices/deviceRepository';
import type { DirectoryService } from '../graph/graphTypes';
import { ValidationError } from '../workflow/errors';
import type { AffectedSelector } from './breachRepository';

/** One affected person and how they were selected. */
export interface AffectedPerson {
  aadObjectId: string;
  displayName: string;
  selectedBy: string;
}

/** The most people one breach may notify (a mistyped group should be caught before it reaches thousands). */
export const MAX_AFFECTED = 50_000;

/**
 * Resolves who is affected: the people of the given enrolled devices, the members of an Entra group (every page,
 * through Graph), or an explicit list of people by object id or user principal name. Each person once.
 */
export async function resolveAffected(db: Db, directory: DirectoryService, selector: AffectedSelector): Promise<AffectedPerson[]> {
  const out = new Map<string, AffectedPerson>();
  const problems: string[] = [];
  const add = (p: AffectedPerson) => {
    if (!out.has(p.aadObjectId)) out.set(p.aadObjectId, p);
  };
  switch (selector.kind) {
    case 'devices': {
      const devices = db.collection<{ _id: string; person: { aadObjectId: string; displayName: string } }>(DEVICES_COLLECTION);
      for (const id of selector.deviceIds) {
        const d = await devices.findOne({ _id: id }, { projection: { person: 1 } });
        if (!d) problems.push(`No enrolled device ${id}.`);
        else add({ aadObjectId: d.person.aadObjectId, displayName: d.person.displayName, selectedBy: `device:${id}` });
      }
      break;
    }
    case 'group': {
      for (const u of await directory.listGroupMembers(selector.groupId)) add({ aadObjectId: u.id, displayName: u.displayName, selectedBy: `group:${selector.groupId}` });
      break;
    }
    case 'people': {
      for (const who of selector.people) {
        const u = await directory.getUser(who);
        if (!u) problems.push(`No person ${who} in the directory.`);
        else add({ aadObjectId: u.id, displayName: u.displayName, selectedBy: 'list' });
      }
      break;
    }
  }
  if (problems.length) throw new ValidationError(problems);
  if (!out.size) throw new ValidationError(['Nobody is affected: choose devices, a group with members, or people.']);
  if (out.size > MAX_AFFECTED) throw new ValidationError([`${out.size} people selected; at most ${MAX_AFFECTED} per breach.`]);
  return [...out.values()].sort((a, b) => a.aadObjectId.localeCompare(b.aadObjectId));
}
