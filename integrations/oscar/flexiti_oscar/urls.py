"""``path("flexiti/", include("flexiti_oscar.urls"))``: the return, the webhook, the refund."""

from django.urls import path

from flexiti_oscar import views

app_name = "flexiti_oscar"
urlpatterns = [
    path("return/", views.ReturnView.as_view(), name="return"),
    path("webhook/", views.webhook, name="webhook"),
    path("refund/<str:number>/", views.refund, name="refund"),
]
