/** The clouds the platform runs on (a leaf module: it imports nothing from the project). */
export type Cloud = "aws" | "gcp";
