import type { ApiKeyOwner, AuthRepository } from './ports.js'
import type { Executor } from './sql/executor.js'

/** Users and API keys. Keys are stored only as hashes; the caller hashes before asking. */
export class SqlAuthRepository implements AuthRepository {
  constructor(private readonly db: Executor) {}

  async countUsers(): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT count(*) AS n FROM users'))!.n
  }

  async createUser(username: string, isAdmin: boolean, now: number): Promise<number> {
    const row = await this.db.get<{ id: number }>(
      'INSERT INTO users (username, is_admin, created_at) VALUES (?, ?, ?) RETURNING id',
      username,
      isAdmin ? 1 : 0,
      now,
    )
    return row!.id
  }

  async addApiKey(userId: number, keyHash: string, label: string, now: number): Promise<void> {
    await this.db.run(
      'INSERT INTO api_keys (key_hash, user_id, label, created_at) VALUES (?, ?, ?, ?)',
      keyHash,
      userId,
      label,
      now,
    )
  }

  async findKeyOwner(keyHash: string): Promise<ApiKeyOwner | null> {
    const row = await this.db.get<{ id: number; username: string; is_admin: number }>(
      'SELECT u.id, u.username, u.is_admin FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?',
      keyHash,
    )
    return row ? { userId: row.id, username: row.username, isAdmin: row.is_admin !== 0 } : null
  }

  async serverSecret(name: string, candidate: string): Promise<string> {
    await this.db.run(
      'INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
      name,
      candidate,
    )
    return (await this.db.get<{ value: string }>('SELECT value FROM server_secrets WHERE name = ?', name))!
      .value
  }
}
