/** Berth config. */
package io.berth.config;
