/** One token request as the stats endpoint reports it (never a secret). */
export interface TokenRequestRecord {
  clientId: string | null;
  grantType: string | null;
  scope: string | null;
  audience: string | null;
  resource: string | null;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  status: number;
  at: string;
}

/** Counts token requests, for tests that prove caching (`GET /__admin/stats`). */
export class TokenStats {
  private total = 0;
  private byClient: Record<string, number> = {};
  private last: TokenRequestRecord[] = [];

  record(entry: TokenRequestRecord): void {
    this.total++;
    const key = entry.clientId ?? '(none)';
    this.byClient[key] = (this.byClient[key] ?? 0) + 1;
    this.last.push(entry);
    if (this.last.length > 50) this.last.shift();
  }

  reset(): void {
    this.total = 0;
    this.byClient = {};
    this.last = [];
  }

  toJSON(): { tokenRequests: { total: number; byClient: Record<string, number> }; lastTokenRequests: TokenRequestRecord[] } {
    return { tokenRequests: { total: this.total, byClient: { ...this.byClient } }, lastTokenRequests: [...this.last] };
  }
}
