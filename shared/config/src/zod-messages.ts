import { en } from "zod/locales";
import { config } from "zod/mini";

// The schemas use zod's tree-shakable build (`zod/mini`): a function bundles the ~40 kB it uses instead of
// the whole library (~470 kB with every locale), which was most of its start-up time. Mini sets no locale
// by default; this sets the English messages, the ones zod's classic build uses, for the few checks that
// have no message of their own. Imported by each schema module, so it runs before anything is parsed.
config(en());
