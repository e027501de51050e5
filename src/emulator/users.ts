/** A person who can sign in to the emulator's issuers. */
export interface User {
  sub: string;
  username: string;
  name: string;
  email: string;
  /** Centrali workspace the user belongs to. */
  workspace: string;
  groups: string[];
}

/** The seeded demo user: admin on eunifyer, member of centrali workspace `acme-corp`. */
export const DEMO_USER: User & { password: string } = {
  sub: 'user-demo',
  username: 'demo',
  password: 'demo',
  name: 'Demo User',
  email: 'demo@example.com',
  workspace: 'acme-corp',
  groups: ['admins', 'developers'],
};

/** The default centrali workspace. */
export const DEFAULT_WORKSPACE = 'acme-corp';

/** Known users: the demo user, plus any subject a test mints a token for. */
export class UserDirectory {
  private readonly users = new Map<string, User>([[DEMO_USER.sub, DEMO_USER]]);

  get(sub: string): User | undefined {
    return this.users.get(sub);
  }

  /** The user whose username and password these are, if any. */
  authenticate(username: string, password: string): User | undefined {
    return username === DEMO_USER.username && password === DEMO_USER.password ? DEMO_USER : undefined;
  }

  /** Registers (or updates) a user for a token minted through the admin API. */
  ensure(sub: string, workspace: string): User {
    if (sub === DEMO_USER.sub && workspace !== DEMO_USER.workspace) {
      throw new TypeError(`the demo user belongs to workspace ${DEMO_USER.workspace}; pass another sub`);
    }
    const existing = this.users.get(sub);
    if (existing && existing.workspace === workspace) return existing;
    const user: User = existing
      ? { ...existing, workspace }
      : { sub, username: sub, name: sub, email: `${sub}@example.com`, workspace, groups: ['developers'] };
    this.users.set(sub, user);
    return user;
  }
}
