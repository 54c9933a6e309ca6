import {
  forbidden,
  ok,
  unauthenticated,
  type Forbidden,
  type Result,
  type Unauthenticated,
} from '../errors/failures.js';
import type { Agent, ApiKeyRow, User } from '../store/schema.js';
import type { Principal } from '../store/store.js';
import type { Actor } from './actor.js';
import type { SessionsContext } from './core.js';

/**
 * The API key a caller came through. Whatever is derived from a key (a websocket ticket, a
 * browser token) carries its id, and is good only while {@link standingOf} says so.
 */
export interface Credential {
  readonly keyId: number;
}

/** Why a principal may no longer act: its key is gone (401), or the agent is disabled (403). */
export type Standing = Result<Principal, Unauthenticated | Forbidden>;

/**
 * Whether an actor may still act through a key: the key exists, is not revoked and is this
 * actor's own; an agent is not disabled. The one check that every credential derived from a
 * key repeats when it is used, so that revoking the key or disabling the agent ends them all.
 *
 * @example
 * const standing = await standingOf(ctx, { kind: 'agent', agentId: 7, teamId: 1 }, { keyId: 3 });
 * if (!standing.ok) return standing; // 401 revoked, or 403 disabled
 */
export async function standingOf(
  ctx: Pick<SessionsContext, 'store'>,
  actor: Actor,
  credential: Credential,
): Promise<Standing> {
  const principal = await ctx.store.identity.findPrincipalByKeyId(credential.keyId);
  const own =
    principal !== undefined &&
    principal.teamId === actor.teamId &&
    (actor.kind === 'agent'
      ? principal.agentId === actor.agentId
      : principal.userId === actor.personId);
  if (!own) return unauthenticated('The API key behind these credentials was revoked.');
  if (principal.agentDisabled) return forbidden('This agent is disabled.');
  return ok(principal);
}

/**
 * Revokes a key, and tells every replica to close the sockets opened through it. Undefined
 * when there is no such key; revoking twice keeps the first time.
 */
export async function revokeKey(
  ctx: SessionsContext,
  keyId: number,
): Promise<ApiKeyRow | undefined> {
  const key = await ctx.store.identity.revokeApiKey({ keyId, now: ctx.clock() });
  if (key) ctx.bus.publish({ kind: 'revoked', keyId: key.id, agentId: null });
  return key;
}

/**
 * Disables an agent (every replica closes its session and watch sockets) or enables it again.
 * Undefined when there is no such agent.
 */
export async function setAgentDisabled(
  ctx: SessionsContext,
  agentId: number,
  disabled: boolean,
): Promise<Agent | undefined> {
  const agent = await ctx.store.identity.setAgentDisabled({ agentId, disabled, now: ctx.clock() });
  if (agent && disabled) ctx.bus.publish({ kind: 'revoked', keyId: null, agentId: agent.id });
  return agent;
}

/**
 * Removes a person: their keys and browser tokens stop working, and every replica closes the
 * sockets opened through their keys. Undefined when there is no such person.
 */
export async function removeUser(ctx: SessionsContext, userId: number): Promise<User | undefined> {
  const user = await ctx.store.identity.removeUser({ userId, now: ctx.clock() });
  if (!user) return undefined;
  const keys = await ctx.store.identity.listApiKeys({ teamId: user.team_id });
  for (const key of keys) {
    if (key.user_id === user.id) ctx.bus.publish({ kind: 'revoked', keyId: key.id, agentId: null });
  }
  return user;
}
