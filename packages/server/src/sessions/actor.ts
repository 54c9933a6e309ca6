/**
 * Who acts on a session. Inside the server the person is always a `person`; the edges map it
 * to the API's words: a `user` key or principal, the `browser` side of a session's signals,
 * heartbeats and tickets.
 */
export type Actor = AgentActor | PersonActor;

export interface AgentActor {
  readonly kind: 'agent';
  readonly agentId: number;
  readonly teamId: number;
}

export interface PersonActor {
  readonly kind: 'person';
  readonly personId: number;
  readonly teamId: number;
}

/** Who asks for a session: a person, or the operator (the admin CLI) on nobody's behalf. */
export type Requester = PersonActor | { readonly kind: 'operator' };

/** The side of a session an actor is on, in the API's words (signal `sender`, ticket `role`). */
export type Side = 'agent' | 'browser';

export function sideOf(actor: Actor): Side {
  return actor.kind === 'agent' ? 'agent' : 'browser';
}
