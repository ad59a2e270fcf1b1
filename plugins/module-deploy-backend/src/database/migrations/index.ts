/** Every schema change of the deploy store, oldest first; a migration is never renamed or edited once released. */
import type { PluginMigration } from '@periscope/kube-access';
import { baseline } from './20261206_001_baseline';

export const MIGRATIONS: PluginMigration[] = [baseline];
