import { describeOnEveryDatabase } from './every-database.ts';
import { defineUsageLedgerSuite } from './usage-ledger-suite.ts';

describeOnEveryDatabase('SqlUsageLedger', defineUsageLedgerSuite);
