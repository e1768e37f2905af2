import { packageConfig } from '../../tools/vitest/package-config.mjs';

export default packageConfig(import.meta.dirname, '@agentsync/cli');
