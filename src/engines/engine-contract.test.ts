/** The shared engine contract suite, run against each engine that needs no network. */
import { defineEngineContractSuite } from './engine-contract-suite.ts';
import { LocalFillEngine } from './local/local-fill-engine.ts';
import { StandInEngine } from './stand-in/stand-in-engine.ts';

defineEngineContractSuite('local', async () => new LocalFillEngine({ threads: 1, maxInputPixels: 50_000_000 }));
defineEngineContractSuite('stand-in', async () => new StandInEngine({ delayMs: 0 }));
