import type { Config } from '../config/schema.ts';
import type { PdUserInput } from './types.ts';

/**
 * Who did the work. A person is a `config.people` entry matched by GitHub login
 * (case-insensitive) or, for PagerDuty, by the PagerDuty user's email; anyone else is kept
 * as `gh:<login>` / `pd:<id>`, priced at `default_level` and counted as unmapped.
 */
export interface Person {
  /** Stable key: `person:<login or email>` for known people, `gh:<login>` / `pd:<id>` otherwise. */
  key: string;
  mapped: boolean;
  level: string;
}

export interface PeopleIndex {
  github(login: string): Person;
  pagerduty(userId: string): Person;
}

export function createPeopleIndex(config: Config, pdUsers: readonly PdUserInput[]): PeopleIndex {
  const byLogin = new Map<string, Person>();
  const byEmail = new Map<string, Person>();
  for (const p of config.people) {
    const person: Person = {
      key: `person:${(p.github ?? p.email ?? '').toLowerCase()}`,
      mapped: true,
      level: p.level ?? config.default_level,
    };
    if (p.github !== undefined) byLogin.set(p.github.toLowerCase(), person);
    if (p.email !== undefined) byEmail.set(p.email.toLowerCase(), person);
  }
  const emailOf = new Map<string, string>();
  for (const u of pdUsers) if (u.email) emailOf.set(u.id, u.email.toLowerCase());

  const ghCache = new Map<string, Person>();
  const pdCache = new Map<string, Person>();
  return {
    github(login) {
      // Cached by the login as written too, so the usual repeat costs no lower-casing.
      let p = ghCache.get(login);
      if (!p) {
        const k = login.toLowerCase();
        p = ghCache.get(k) ??
          byLogin.get(k) ?? { key: `gh:${k}`, mapped: false, level: config.default_level };
        ghCache.set(k, p);
        ghCache.set(login, p);
      }
      return p;
    },
    pagerduty(userId) {
      let p = pdCache.get(userId);
      if (!p) {
        const email = emailOf.get(userId);
        p = (email !== undefined ? byEmail.get(email) : undefined) ?? {
          key: `pd:${userId}`,
          mapped: false,
          level: config.default_level,
        };
        pdCache.set(userId, p);
      }
      return p;
    },
  };
}

/** A GitHub login that belongs to an automation: `[bot]` suffix or a Bot account type. */
export function isBotLogin(login: string | null, flaggedBot: boolean): boolean {
  if (flaggedBot) return true;
  if (login === null || !login.endsWith(']')) return false;
  return login.toLowerCase().endsWith('[bot]');
}

export interface RateLookup {
  effectiveFrom: string;
  level: string;
  rate: number;
}

/**
 * The rate card in force on a day is the one with the latest `effective_from` on or before it;
 * a day before every card uses the earliest card. A level the card in force does not list is
 * priced at `default_level` (which every card must list).
 */
export function createRateBook(config: Config): (day: string, level: string) => RateLookup {
  const cards = [...config.rates].sort((a, b) => (a.effective_from < b.effective_from ? -1 : 1));
  const cache = new Map<string, RateLookup>();
  return (day, level) => {
    const k = `${day}|${level}`;
    let hit = cache.get(k);
    if (hit) return hit;
    let card = cards[0]!;
    for (const c of cards) {
      if (c.effective_from <= day) card = c;
      else break;
    }
    const own = card.levels[level];
    hit =
      own !== undefined
        ? { effectiveFrom: card.effective_from, level, rate: own }
        : {
            effectiveFrom: card.effective_from,
            level: config.default_level,
            rate: card.levels[config.default_level] ?? 0,
          };
    cache.set(k, hit);
    return hit;
  };
}
