/**
 * The getting-started application of {@code docs/getting-started.md}, in the package a new user's own
 * application would have. A test builds these files, copied from the page, as a fresh Maven project.
 */
package com.example.greetings;
