// The ITS (IHI 0069 chapter 5, LPIs and the ITS), in parts: its registers (its/registers.ts), its
// parameters, tables and the lookups commands and MSIs share (its/tables.ts), the command queue
// (its/queue.ts), every physical command as a handler of one signature (its/commands.ts), and MSI
// translation (its/msi.ts). This module is what the rest of the model imports.
export { GITS_TRANSLATER, gitsRead, gitsWrite } from './its/registers.js';
export { collectionInRange, devBits, deviceInRange, eventBits, flatTable, icidBits, iteTarget, MAPPINGS_FREED_ENTRIES_KEPT, noteMappingsFreed, addPhantom, dropPhantom, phantomIcids, invalidateTranslations, cacheTranslation, nextTwoLevelPage, tableEntryAddr, twoLevelPageRest } from './its/tables.js';
export { processQueue, processQueueOutcomes } from './its/queue.js';
export { type MsiOutcome, translateMsi } from './its/msi.js';
