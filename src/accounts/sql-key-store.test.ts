import { describeOnEveryDatabase } from './every-database.ts';
import { defineKeyStoreSuite } from './key-store-suite.ts';

describeOnEveryDatabase('SqlKeyStore', defineKeyStoreSuite);
