"""Oscar's checkout app with Flexiti as the way to pay: put it in INSTALLED_APPS in place of
``oscar.apps.checkout.apps.CheckoutConfig`` (Oscar loads its ``views`` before its own)."""
