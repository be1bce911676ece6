#!/usr/bin/env node
// Runs the simulator's TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
