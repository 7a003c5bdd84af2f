/** Berth guest. */
package io.berth.guest;
